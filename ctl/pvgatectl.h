/*
 * pvgatectl: what the control socket client (pvgatectl.c) and the
 * output (show.c, table.c) share.
 */

#ifndef PVGATECTL_H
#define PVGATECTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl.h"

/* every message of one answer, by kind */
struct answers {
	struct ctl_proc		*proc;
	size_t			 nproc;
	struct ctl_listener	*listener;
	size_t			 nlistener;
	struct ctl_connector	*connector;
	size_t			 nconnector;
	struct ctl_mqtt		*mqtt;
	size_t			 nmqtt;
	struct ctl_conn		*conn;
	size_t			 nconn;
	struct ctl_claim	*claim;
	size_t			 nclaim;
	struct ctl_device	*device;
	size_t			 ndevice;
	struct ctl_counter	*counter;
	size_t			 ncounter;
	struct ctl_result	 result;
	int			 haveresult;
};

enum out_format {
	OUT_TEXT,
	OUT_JSON,
	OUT_OPENMETRICS
};

/* show.c */
void	 show_status(struct answers *, int);
void	 show_devices(struct answers *, int);
void	 show_connections(struct answers *, int);
void	 show_counters(struct answers *, int);
void	 show_result(struct answers *, int);
void	 json_procs(const struct answers *);

/* table.c: plain text in aligned columns */
struct table;

struct table	*table_new(const char *const *, int);
void		 table_cell(struct table *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
void		 table_print(struct table *, FILE *);

/* json.c: one JSON object on one line */
void	 json_begin(void);
void	 json_end(void);
void	 json_object(const char *);
void	 json_array(const char *);
void	 json_close(void);
void	 json_string(const char *, const char *);
void	 json_uint(const char *, uint64_t);
void	 json_int(const char *, int64_t);
void	 json_bool(const char *, int);
void	 json_time_utc(const char *, int64_t);

#endif /* PVGATECTL_H */
