/*
 * Owner commands: what a protocol can be asked to do, how the text of
 * a command is parsed and checked, and the hooks by which a protocol
 * builds the device's frame and recognises the answer.  Pure functions
 * over the caller's buffers, like the protocols themselves; only the
 * decoder process runs them (the exporter reads the table for Home
 * Assistant's discovery, never to judge).
 *
 * A command is a name and an argument text, e.g. "power_limit" "50".
 * cmd_parse() takes the protocol's definition of the name, splits the
 * argument into words and checks each against its kind and range; the
 * protocol's check hook adds what only it knows (the AT prefix lists).
 * The protocol's send hook builds the frame on the connection that
 * speaks for the device and notes in the command what the answer must
 * match; its decoder calls pv_cmd_done() when that answer comes.
 */

#ifndef CMD_H
#define CMD_H

#include <stddef.h>
#include <stdint.h>

#include "pvgate.h"
#include "proto.h"

enum cmd_id {
	CMD_NONE,
	CMD_POWER_LIMIT,	/* PERCENT */
	CMD_MODBUS_READ,	/* REG [COUNT] */
	CMD_MODBUS_WRITE,	/* REG VALUE */
	CMD_AT,			/* AT+... */
	CMD_INVERTER_ON,	/* [SERIAL] */
	CMD_INVERTER_OFF,	/* [SERIAL] */
	CMD_REBOOT,
	CMD_POWER_LIMITS,	/* on CHARGE DISCHARGE [START] | off */
	CMD_WEATHER_CHARGE,	/* on | off */
	CMD_SMART_SWITCH,	/* ID on | off */
	CMD_MAX
};

#define CMD_BIT(id)	(1U << (id))
#define CMD_ARGS	4
#define CMD_TEXTLEN	64	/* argument text, as events carry it */
#define CMD_SENTLEN	32	/* what a builder keeps of its frame */

/*
 * The kinds of argument words, one letter each in a definition's args;
 * a lower-case letter is an optional word (only at the end).
 *
 *	P	a percentage, 0 .. 100, at most one decimal: per mille
 *	R	a register, 0 .. 65535, decimal or 0x hex
 *	N	a register count, 1 .. 125
 *	V	a register value, 0 .. 65535, decimal or 0x hex
 *	T	the whole argument as text
 *	O	on or off (ON, OFF, 1, 0 too): 1 or 0
 *	W	watts, 0 .. 1000000
 *	I	an index, 0 .. 65535
 *	S	a Hoymiles inverter serial, 12 hex digits: its number
 *	B	Home Assistant's button press: PRESS (or nothing)
 */

/* how Home Assistant shows a command */
enum cmd_ha {
	CMD_HA_NONE,
	CMD_HA_NUMBER,
	CMD_HA_SWITCH,		/* on/off, alone or a pair (switchname) */
	CMD_HA_BUTTON
};

struct cmd_def {
	int		 id;		/* enum cmd_id, named by cmd_name() */
	const char	*args;		/* kinds, see above */
	int		 ha;		/* enum cmd_ha */
	const char	*label;		/* Home Assistant's entity name */
	int		 min, max;	/* number: range */
	const char	*unit;		/* number: unit */
	int		 state;		/* number, switch: its metric in the
					   state (a switch's 0 or 1), or 0 */
	const char	*pair;		/* switch of an on/off pair: its name */
};

/* a command parsed, and what its answer must match (the builder's) */
struct pv_cmd {
	int		 id;		/* enum cmd_id */
	int		 nargs;
	int64_t		 arg[CMD_ARGS];
	char		 text[CMD_TEXTLEN];	/* T: the text */
	char		 argtext[CMD_TEXTLEN];	/* canonical, for events */
	char		 target[PV_NAMELEN];	/* the [device] it is for */
	uint32_t	 key;		/* sequence, tag: what answers it */
	uint8_t		 sent[CMD_SENTLEN];
	size_t		 sentlen;
};

/* what a send hook says */
enum cmd_send {
	CMD_SENT,		/* out; the answer will tell */
	CMD_LATER,		/* the link is busy now: try again soon */
	CMD_FAILED		/* cannot be sent here: why */
};

struct cmd_proto {
	uint16_t		 proto;		/* enum pv_proto */
	unsigned int		 timeout;	/* ms for an answer */
	const struct cmd_def	*defs;
	size_t			 ndefs;
	int	(*check)(const struct pv_deviceconf *, struct pv_cmd *,
		    char *, size_t);
	int	(*speaks)(struct pvctx *, const char *);
	int	(*send)(struct pvctx *, struct pv_cmd *, char *, size_t);
};

const struct cmd_proto	*cmd_proto(unsigned int);
const struct cmd_def	*cmd_def(unsigned int, int);
const struct cmd_def	*cmd_byname(unsigned int, const char *);
const char		*cmd_name(int);
const char		*cmd_result_name(int);
int	 cmd_parse(const struct pv_deviceconf *, const char *, const char *,
	    int, struct pv_cmd *, char *, size_t);
int	 cmd_allow(unsigned int, const char *, uint32_t *, char *, size_t);
int	 cmd_allow_text(uint32_t, char *, size_t);
int	 cmd_prefixes(const char *, char *, size_t, char *, size_t);
int	 cmd_prefix_match(const char *, const char *);
int	 cmd_name_match(const char *, const char *);
void	 pv_cmd_done(struct pvctx *, int, const char *, ...)
	    __attribute__((__format__ (printf, 3, 4)));

/* per protocol: tsun_cmd.c (tsun-gen3, solarman-v5), hoymiles_cmd.c,
 * e3dc_cmd.c */
extern const struct cmd_proto	gen3_cmdproto;
extern const struct cmd_proto	solarman_cmdproto;
extern const struct cmd_proto	hoymiles_cmdproto;
extern const struct cmd_proto	e3dc_cmdproto;

/* the protocols' hooks: the answer, if it is one (1), else 0 */
int	 solarman_cmd_answer(struct pvctx *, const uint8_t *, size_t);
int	 gen3_cmd_answer(struct pvctx *, const uint8_t *, size_t);
int	 hoymiles_cmd_answer(struct pvctx *, uint16_t, uint16_t,
	    const uint8_t *, size_t);
struct rscp_frame;
int	 e3dc_cmd_answer(struct pvctx *, const struct rscp_frame *);

/* what the protocol files lend their command files */
int	 solarman_speaks(struct pvctx *, const char *);
int	 solarman_send_cmd(struct pvctx *, uint8_t, int, const uint8_t *,
	    size_t, uint8_t *);
int	 solarman_sensor(struct pvctx *);
int	 gen3_speaks(struct pvctx *, const char *);
int	 gen3_send_cmd(struct pvctx *, const uint8_t *, size_t);
struct ProtobufCMessage;
int	 hoymiles_speaks(struct pvctx *, const char *);
int	 hoymiles_send_cmd(struct pvctx *, uint16_t,
	    const struct ProtobufCMessage *, uint16_t *);
struct rscp_builder;
int	 e3dc_speaks(struct pvctx *, const char *);
int	 e3dc_send_cmd(struct pvctx *, struct rscp_builder *);

#endif /* CMD_H */
