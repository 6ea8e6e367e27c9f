/*
 * RSCP, E3/DC's "Remote Storage Control Protocol": frames and the
 * tagged values they carry.  Pure functions over byte buffers; every
 * length is checked against the bytes that are there.
 *
 * Frame (little-endian):
 *
 *	0	magic e3 dc
 *	2	control: byte 2 = 0, byte 3 = 0x01 (version) | 0x10 (CRC)
 *	4	int64 seconds, 12 uint32 nanoseconds
 *	16	uint16 data length n
 *	18	n bytes of values
 *	18+n	CRC-32 of bytes 0 .. 18+n-1, if the CRC bit is set
 *
 * Value: uint32 tag, uint8 type, uint16 length, length bytes.  A
 * container's bytes are values again.
 */

#ifndef RSCP_H
#define RSCP_H

#include <stddef.h>
#include <stdint.h>

#define RSCP_HDRLEN		18
#define RSCP_CRCLEN		4
#define RSCP_VALHDRLEN		7
#define RSCP_MAXDATA		65535
#define RSCP_MAXDEPTH		8	/* containers within containers */

#define RSCP_CTRL_VERSION	0x01	/* byte 3, low nibble */
#define RSCP_CTRL_CRC		0x10	/* byte 3 */

/* tag id: namespace << 24 | response bit | number */
#define RSCP_TAG_RESPONSE	0x00800000

enum rscp_type {
	RSCP_NONE =		0x00,
	RSCP_BOOL =		0x01,
	RSCP_CHAR8 =		0x02,
	RSCP_UCHAR8 =		0x03,
	RSCP_INT16 =		0x04,
	RSCP_UINT16 =		0x05,
	RSCP_INT32 =		0x06,
	RSCP_UINT32 =		0x07,
	RSCP_INT64 =		0x08,
	RSCP_UINT64 =		0x09,
	RSCP_FLOAT32 =		0x0a,
	RSCP_DOUBLE64 =		0x0b,
	RSCP_BITFIELD =		0x0c,
	RSCP_CSTRING =		0x0d,
	RSCP_CONTAINER =	0x0e,
	RSCP_TIMESTAMP =	0x0f,
	RSCP_BYTEARRAY =	0x10,
	RSCP_ERROR =		0xff
};

enum rscp_error {
	RSCP_ERR_NOT_HANDLED =		1,
	RSCP_ERR_ACCESS_DENIED =	2,
	RSCP_ERR_FORMAT =		3,
	RSCP_ERR_AGAIN =		4,
	RSCP_ERR_OUT_OF_BOUNDS =	5,
	RSCP_ERR_NOT_AVAILABLE =	6,
	RSCP_ERR_UNKNOWN_TAG =		7,
	RSCP_ERR_ALREADY_IN_USE =	8
};

struct rscp_frame {
	int64_t		 sec;
	uint32_t	 nsec;
	int		 crc;		/* the frame carried a CRC */
	const uint8_t	*data;
	size_t		 datalen;
};

struct rscp_value {
	uint32_t	 tag;
	uint8_t		 type;
	const uint8_t	*data;
	size_t		 len;
};

/* walks the values of a frame's data or of a container */
struct rscp_iter {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

/* building a frame's data in a caller's buffer */
struct rscp_builder {
	uint8_t		*buf;
	size_t		 size;
	size_t		 len;
	size_t		 open[RSCP_MAXDEPTH];	/* open containers */
	int		 depth;
	int		 failed;		/* no room, or misnested */
};

/*
 * The frame length its header announces: buf holds at least
 * RSCP_HDRLEN bytes.  0, or -1 with *why if it is not a frame header.
 */
int	 rscp_header(const uint8_t *, size_t, size_t *, const char **);
/*
 * A whole frame of exactly len bytes: header, CRC if flagged, and the
 * values, every length and the nesting depth.  0, or -1 with *why (a
 * static string).
 */
int	 rscp_frame(const uint8_t *, size_t, struct rscp_frame *,
	    const char **);
/* values: every length, the nesting depth; 0 or -1 with *why */
int	 rscp_check(const uint8_t *, size_t, const char **);

/* iteration over values already checked by rscp_check() */
void	 rscp_iter_init(struct rscp_iter *, const uint8_t *, size_t);
int	 rscp_next(struct rscp_iter *, struct rscp_value *);
/* the values of a container value; -1 if it is not one */
int	 rscp_enter(const struct rscp_value *, struct rscp_iter *);

/* typed reads; -1 when type and length do not make such a value */
int	 rscp_int(const struct rscp_value *, int64_t *);
int	 rscp_float(const struct rscp_value *, double *);
int	 rscp_timestamp(const struct rscp_value *, int64_t *, uint32_t *);
int	 rscp_errcode(const struct rscp_value *, uint32_t *);
const char	*rscp_errname(uint32_t);

/*
 * Building: values go to buf + RSCP_HDRLEN, so that rscp_seal() can
 * put the header and CRC around them in place.
 */
void	 rscp_build(struct rscp_builder *, uint8_t *, size_t);
void	 rscp_put(struct rscp_builder *, uint32_t, uint8_t, const void *,
	    size_t);
void	 rscp_put_string(struct rscp_builder *, uint32_t, const char *);
/* a UInt16, as RSCP gives the index of a device, module or string */
void	 rscp_put_u16(struct rscp_builder *, uint32_t, uint16_t);
void	 rscp_open(struct rscp_builder *, uint32_t);
void	 rscp_close(struct rscp_builder *);
/* header and CRC; the frame length, or 0 if it did not fit */
size_t	 rscp_seal(struct rscp_builder *, int64_t, uint32_t);

#endif /* RSCP_H */
