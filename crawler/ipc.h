/*
 * ipc.h - framed messages between the coordinator and its workers.
 *
 * A stream socketpair per worker carries frames: a fixed 12-byte header
 * (version, type, flags, payload length, order id) and a payload written
 * with typed put calls and read back with typed get calls.  Integers are
 * little-endian on the wire (both ends are the same machine, but a fixed
 * order keeps the fuzzer and the tests honest).  Strings are a u32 length
 * and the bytes plus a NUL, so a reader can use them in place; length
 * 0xffffffff means NULL.
 *
 * Readers are strict: a get past the end fails, a frame with bytes left
 * over fails (ipc_frame_end), a wrong version or a length over the
 * maximum makes ipc_next() fail.  A peer that sends one bad frame is not
 * trusted again: the coordinator kills such a worker.
 *
 * Both sides are non-blocking.  Runs in both processes: one frame per
 * order and per result.
 */
#ifndef TRAWL_IPC_H
#define TRAWL_IPC_H

#include <stddef.h>
#include <stdint.h>

#define IPC_VERSION 1
#define IPC_HEADER 12
#define IPC_MAX_FRAME (512u << 20)
#define IPC_AGAIN (-2) /* would block */

enum ipc_type {
	IPC_ORDER = 1,    /* coordinator -> worker: fetch this URL */
	IPC_RESULT = 2,   /* worker -> coordinator: what the fetch gave */
	IPC_READY = 3,    /* worker -> coordinator: started, pid */
	IPC_STOP = 4,     /* coordinator -> worker: finish in flight, exit */
	IPC_COOKIES = 5,  /* both ways: cookie jar lines ("cookies") */
};

/* Name of a frame type for logs ("order", "result", ...; "unknown"). */
const char *ipc_type_name(unsigned type);

/* An output queue of whole frames. */
struct ipc_out {
	char *data;
	size_t len, cap;
	size_t sent;   /* bytes of data already written to the socket */
	size_t frame;  /* offset of the frame being built */
};

void ipc_out_init(struct ipc_out *o);
void ipc_out_release(struct ipc_out *o);

/* Builds one frame at the end of the queue: begin, puts, end. */
void ipc_begin(struct ipc_out *o, unsigned type, uint32_t id);
void ipc_put_u32(struct ipc_out *o, uint32_t v);
void ipc_put_u64(struct ipc_out *o, uint64_t v);
void ipc_put_str(struct ipc_out *o, const char *s);
void ipc_put_strn(struct ipc_out *o, const char *s, size_t n);
void ipc_end(struct ipc_out *o);
/* Sets the flags of the frame being built. */
void ipc_set_flags(struct ipc_out *o, unsigned flags);

/* Bytes queued and not yet written. */
size_t ipc_pending(const struct ipc_out *o);

/* Writes what FD accepts.  Returns the bytes still pending (0: all out),
 * or -1 on a write error (errno set; EPIPE: the peer is gone). */
long ipc_flush(struct ipc_out *o, int fd);

/* An input buffer that yields whole frames. */
struct ipc_in {
	char *data;
	size_t len, cap;
	size_t off;    /* start of the first unconsumed frame */
};

struct ipc_frame {
	unsigned type, flags;
	uint32_t id;
	const char *p, *end;  /* unread payload; borrowed from ipc_in */
};

void ipc_in_init(struct ipc_in *in);
void ipc_in_release(struct ipc_in *in);

/* Reads what FD has.  Returns bytes read, 0 at EOF, IPC_AGAIN if nothing is
 * there, -1 on error.  Frames returned before are invalid afterwards. */
long ipc_fill(struct ipc_in *in, int fd);

/* Appends N bytes as if read (tests and fuzzing). */
void ipc_feed(struct ipc_in *in, const void *p, size_t n);

/* Takes the next complete frame.  Returns 1 with *F set, 0 if more bytes
 * are needed, -1 if the stream is malformed (bad version or length). */
int ipc_next(struct ipc_in *in, struct ipc_frame *f);

/* Each returns 0, or -1 if the frame has too few bytes left (or a string
 * lacks its NUL).  Strings are borrowed from the frame. */
int ipc_get_u32(struct ipc_frame *f, uint32_t *v);
int ipc_get_u64(struct ipc_frame *f, uint64_t *v);
int ipc_get_str(struct ipc_frame *f, const char **s, size_t *n);

/* 0 if the whole payload was read, -1 if bytes are left over. */
int ipc_frame_end(const struct ipc_frame *f);

#endif
