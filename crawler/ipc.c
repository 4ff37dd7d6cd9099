/*
 * ipc.c - frame encoding and buffered non-blocking socket I/O (see ipc.h).
 * Runs in the coordinator and in workers, once per order and per result.
 */
#include "ipc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

const char *ipc_type_name(unsigned type)
{
	switch (type) {
	case IPC_ORDER: return "order";
	case IPC_RESULT: return "result";
	case IPC_READY: return "ready";
	case IPC_STOP: return "stop";
	case IPC_COOKIES: return "cookies";
	}
	return "unknown";
}

static void wr32(char *p, uint32_t v)
{
	p[0] = (char)v;
	p[1] = (char)(v >> 8);
	p[2] = (char)(v >> 16);
	p[3] = (char)(v >> 24);
}

static uint32_t rd32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;
	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
	       (uint32_t)u[3] << 24;
}

void ipc_out_init(struct ipc_out *o)
{
	memset(o, 0, sizeof *o);
}

void ipc_out_release(struct ipc_out *o)
{
	if (!o)
		return;
	free(o->data);
	memset(o, 0, sizeof *o);
}

static char *out_grow(struct ipc_out *o, size_t n)
{
	if (o->len + n > o->cap) {
		/* Drop what was sent before growing. */
		if (o->sent > 0 && o->sent <= o->frame) {
			memmove(o->data, o->data + o->sent, o->len - o->sent);
			o->len -= o->sent;
			o->frame -= o->sent;
			o->sent = 0;
		}
		if (o->len + n > o->cap) {
			size_t cap = o->cap ? o->cap : 4096;
			while (cap < o->len + n)
				cap *= 2;
			o->data = xrealloc(o->data, cap);
			o->cap = cap;
		}
	}
	o->len += n;
	return o->data + o->len - n;
}

void ipc_begin(struct ipc_out *o, unsigned type, uint32_t id)
{
	char *h;

	o->frame = o->len;
	h = out_grow(o, IPC_HEADER);
	h[0] = IPC_VERSION;
	h[1] = (char)type;
	h[2] = h[3] = 0;
	wr32(h + 4, 0);
	wr32(h + 8, id);
}

void ipc_put_u32(struct ipc_out *o, uint32_t v)
{
	wr32(out_grow(o, 4), v);
}

void ipc_put_u64(struct ipc_out *o, uint64_t v)
{
	char *p = out_grow(o, 8);
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

void ipc_put_strn(struct ipc_out *o, const char *s, size_t n)
{
	char *p;

	if (!s) {
		ipc_put_u32(o, UINT32_MAX);
		return;
	}
	p = out_grow(o, 4 + n + 1);
	wr32(p, (uint32_t)n);
	memcpy(p + 4, s, n);
	p[4 + n] = '\0';
}

void ipc_put_str(struct ipc_out *o, const char *s)
{
	ipc_put_strn(o, s, s ? strlen(s) : 0);
}

void ipc_set_flags(struct ipc_out *o, unsigned flags)
{
	o->data[o->frame + 2] = (char)flags;
	o->data[o->frame + 3] = (char)(flags >> 8);
}

void ipc_end(struct ipc_out *o)
{
	wr32(o->data + o->frame + 4, (uint32_t)(o->len - o->frame - IPC_HEADER));
	o->frame = o->len;
}

size_t ipc_pending(const struct ipc_out *o)
{
	return o->frame - o->sent;
}

long ipc_flush(struct ipc_out *o, int fd)
{
	while (o->sent < o->frame) {
		ssize_t n = send(fd, o->data + o->sent, o->frame - o->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		o->sent += (size_t)n;
	}
	if (o->sent == o->len) {
		o->sent = o->len = o->frame = 0;
		if (o->cap > (1u << 20)) {
			free(o->data);
			o->data = NULL;
			o->cap = 0;
		}
	}
	return (long)(o->frame - o->sent);
}

void ipc_in_init(struct ipc_in *in)
{
	memset(in, 0, sizeof *in);
}

void ipc_in_release(struct ipc_in *in)
{
	if (!in)
		return;
	free(in->data);
	memset(in, 0, sizeof *in);
}

/* Makes room for N more bytes, dropping consumed frames first. */
static void in_reserve(struct ipc_in *in, size_t n)
{
	if (in->off > 0) {
		memmove(in->data, in->data + in->off, in->len - in->off);
		in->len -= in->off;
		in->off = 0;
	}
	if (in->len + n > in->cap) {
		size_t cap = in->cap ? in->cap : 65536;
		while (cap < in->len + n)
			cap *= 2;
		in->data = xrealloc(in->data, cap);
		in->cap = cap;
	}
}

long ipc_fill(struct ipc_in *in, int fd)
{
	size_t want = 65536;
	ssize_t n;

	/* Read a whole pending frame in one go when its header says it is big. */
	if (in->len - in->off >= IPC_HEADER) {
		size_t flen = IPC_HEADER + rd32(in->data + in->off + 4);
		if (flen <= IPC_MAX_FRAME + IPC_HEADER && flen > in->len - in->off &&
		    flen - (in->len - in->off) > want)
			want = flen - (in->len - in->off);
	}
	in_reserve(in, want);
	for (;;) {
		n = recv(fd, in->data + in->len, in->cap - in->len, MSG_DONTWAIT);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return IPC_AGAIN;
		return -1;
	}
	in->len += (size_t)n;
	return (long)n;
}

void ipc_feed(struct ipc_in *in, const void *p, size_t n)
{
	in_reserve(in, n);
	memcpy(in->data + in->len, p, n);
	in->len += n;
}

int ipc_next(struct ipc_in *in, struct ipc_frame *f)
{
	const char *h = in->data + in->off;
	size_t avail = in->len - in->off;
	uint32_t plen;

	if (avail < IPC_HEADER)
		return 0;
	if ((unsigned char)h[0] != IPC_VERSION)
		return -1;
	plen = rd32(h + 4);
	if (plen > IPC_MAX_FRAME)
		return -1;
	if (avail < IPC_HEADER + (size_t)plen)
		return 0;
	f->type = (unsigned char)h[1];
	f->flags = (unsigned)(unsigned char)h[2] | (unsigned)(unsigned char)h[3] << 8;
	f->id = rd32(h + 8);
	f->p = h + IPC_HEADER;
	f->end = f->p + plen;
	in->off += IPC_HEADER + plen;
	return 1;
}

int ipc_get_u32(struct ipc_frame *f, uint32_t *v)
{
	if (f->end - f->p < 4)
		return -1;
	*v = rd32(f->p);
	f->p += 4;
	return 0;
}

int ipc_get_u64(struct ipc_frame *f, uint64_t *v)
{
	if (f->end - f->p < 8)
		return -1;
	*v = (uint64_t)rd32(f->p) | (uint64_t)rd32(f->p + 4) << 32;
	f->p += 8;
	return 0;
}

int ipc_get_str(struct ipc_frame *f, const char **s, size_t *n)
{
	uint32_t len;

	if (ipc_get_u32(f, &len) < 0)
		return -1;
	if (len == UINT32_MAX) {
		*s = NULL;
		if (n)
			*n = 0;
		return 0;
	}
	if ((size_t)(f->end - f->p) < (size_t)len + 1 || f->p[len] != '\0')
		return -1;
	*s = f->p;
	if (n)
		*n = len;
	f->p += (size_t)len + 1;
	return 0;
}

int ipc_frame_end(const struct ipc_frame *f)
{
	return f->p == f->end ? 0 : -1;
}
