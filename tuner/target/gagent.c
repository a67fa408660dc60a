/*
 * The QEMU guest agent through libvirt (gagent.h). The protocol is QEMU's
 * (qga/qapi-schema.json): guest-ping, guest-file-open/read/write/close,
 * guest-exec and guest-exec-status.
 */
#include "gagent.h"
#include "../../lib/clock.h"
#include "../../lib/err.h"

#include <jansson.h>
#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#define CHUNK 32768	/* bytes per guest-file-read/write */

static const char *agent_error(void)
{
	const virError *e = virGetLastError();
	return e && e->message ? e->message : "no answer";
}

/*
 * Runs command (consumed) with its arguments; *ret: the answer's "return"
 * (a new reference), when ret is given. -1 with err.
 */
static int call(virDomainPtr dom, json_t *command, int timeout, json_t **ret, char *err)
{
	char *text = json_dumps(command, JSON_COMPACT);
	const char *name = json_string_value(json_object_get(command, "execute"));
	json_decref(command);
	if (!text)
		return seterr(err, "out of memory"), -1;
	char *answer = virDomainQemuAgentCommand(dom, text, timeout, 0);
	free(text);
	if (!answer)
		return seterr(err, "guest agent, %s: %s", name ? name : "?", agent_error()), -1;
	json_error_t je;
	json_t *doc = json_loads(answer, 0, &je), *r = doc ? json_object_get(doc, "return") : NULL;
	free(answer);
	if (!r) {
		json_decref(doc);
		return seterr(err, "guest agent, %s: an answer without \"return\"", name), -1;
	}
	if (ret)
		*ret = json_incref(r);
	json_decref(doc);
	return 0;
}

int ga_wait(virDomainPtr dom, double seconds, volatile sig_atomic_t *stop, char *err)
{
	double until = mono() + seconds;
	while (mono() < until) {
		if (stop && *stop)
			return 1;
		if (!call(dom, json_pack("{s:s}", "execute", "guest-ping"), 2, NULL, err))
			return 0;
		int state, why;
		if (virDomainGetState(dom, &state, &why, 0) < 0 || state != VIR_DOMAIN_RUNNING)
			return seterr(err, "the guest stopped before its agent answered"), -1;
		usleep(500000);
	}
	return seterr(err, "no guest agent answered within %.0f s", seconds), -1;
}

static int b64_decode(const char *in, struct strbuf *out)
{
	struct base64_decode_ctx ctx;
	size_t len = strlen(in), n = BASE64_DECODE_LENGTH(len);
	strbuf_grow(out, n + 1);
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &n, (uint8_t *)out->buf + out->len, len, in) ||
	    !base64_decode_final(&ctx))
		return -1;
	out->len += n;
	out->buf[out->len] = '\0';
	return 0;
}

static char *b64_encode(const void *data, size_t len)
{
	char *s = xmalloc(BASE64_ENCODE_RAW_LENGTH(len) + 1);
	base64_encode_raw(s, len, data);
	s[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
	return s;
}

static int file_open(virDomainPtr dom, const char *path, const char *mode, json_int_t *handle,
		     char *err)
{
	json_t *r;
	if (call(dom, json_pack("{s:s,s:{s:s,s:s}}", "execute", "guest-file-open", "arguments",
				"path", path, "mode", mode), GA_CALL_SECONDS, &r, err))
		return -1;
	*handle = json_integer_value(r);
	int ok = json_is_integer(r);
	json_decref(r);
	return ok ? 0 : (seterr(err, "guest agent: guest-file-open gave no handle"), -1);
}

static void file_close(virDomainPtr dom, json_int_t handle)
{
	char ignored[ERR_LEN];
	call(dom, json_pack("{s:s,s:{s:I}}", "execute", "guest-file-close", "arguments", "handle",
			    handle), GA_CALL_SECONDS, NULL, ignored);
}

int ga_write_file(virDomainPtr dom, const char *path, const void *data, size_t len, char *err)
{
	json_int_t h;
	if (file_open(dom, path, "w", &h, err))
		return -1;
	int rc = 0;
	for (size_t off = 0; !rc && (off < len || (off == 0 && len == 0)); off += CHUNK) {
		size_t n = len - off < CHUNK ? len - off : CHUNK;
		if (!n)
			break;
		char *b64 = b64_encode((const char *)data + off, n);
		json_t *r;
		rc = call(dom, json_pack("{s:s,s:{s:I,s:s}}", "execute", "guest-file-write",
					 "arguments", "handle", h, "buf-b64", b64),
			  GA_CALL_SECONDS, &r, err);
		free(b64);
		if (!rc) {
			json_int_t wrote = json_integer_value(json_object_get(r, "count"));
			json_decref(r);
			if (wrote != (json_int_t)n)
				rc = (seterr(err, "guest agent: %s: wrote %lld of %zu bytes", path,
					    (long long)wrote, n), -1);
		}
	}
	file_close(dom, h);
	return rc;
}

int ga_read_file(virDomainPtr dom, const char *path, size_t max, struct strbuf *out, int *missing,
		 char *err)
{
	json_int_t h;
	*missing = 0;
	if (file_open(dom, path, "r", &h, err)) {
		*missing = strstr(err, "No such file") != NULL;
		return -1;
	}
	int rc = 0, eof = 0;
	while (!rc && !eof) {
		json_t *r;
		if ((rc = call(dom, json_pack("{s:s,s:{s:I,s:i}}", "execute", "guest-file-read",
					      "arguments", "handle", h, "count", CHUNK),
			       GA_CALL_SECONDS, &r, err)))
			break;
		const char *b64 = json_string_value(json_object_get(r, "buf-b64"));
		eof = json_is_true(json_object_get(r, "eof")) ||
		      json_integer_value(json_object_get(r, "count")) == 0;
		if (!b64 || b64_decode(b64, out))
			rc = (seterr(err, "guest agent: %s: an answer that is not base64", path), -1);
		else if (out->len > max)
			rc = (seterr(err, "guest agent: %s is larger than %zu bytes", path, max), -1);
		json_decref(r);
	}
	file_close(dom, h);
	return rc;
}

void ga_exec_init(struct ga_exec *r)
{
	memset(r, 0, sizeof(*r));
	strbuf_init(&r->out);
	strbuf_init(&r->err);
}

void ga_exec_release(struct ga_exec *r)
{
	strbuf_release(&r->out);
	strbuf_release(&r->err);
}

/* One look at pid: 1 it exited (r filled), 0 still running, -1 with err. */
static int exec_status(virDomainPtr dom, long long pid, struct ga_exec *r, char *err)
{
	json_t *s;
	if (call(dom, json_pack("{s:s,s:{s:I}}", "execute", "guest-exec-status", "arguments", "pid",
				pid), GA_CALL_SECONDS, &s, err))
		return -1;
	int exited = json_is_true(json_object_get(s, "exited")), rc = 0;
	if (exited) {
		const char *o = json_string_value(json_object_get(s, "out-data"));
		const char *e = json_string_value(json_object_get(s, "err-data"));
		r->exited = 1;
		r->exitcode = (int)json_integer_value(json_object_get(s, "exitcode"));
		r->signal = (int)json_integer_value(json_object_get(s, "signal"));
		if ((o && b64_decode(o, &r->out)) || (e && b64_decode(e, &r->err)))
			rc = (seterr(err, "guest agent: output that is not base64"), -1);
	}
	json_decref(s);
	return rc < 0 ? -1 : exited;
}

int ga_spawn(virDomainPtr dom, char *const argv[], long long *pid, char *err)
{
	json_t *args = json_array(), *ret;
	for (size_t i = 1; argv[i]; i++)
		json_array_append_new(args, json_string(argv[i]));
	if (call(dom, json_pack("{s:s,s:{s:s,s:o,s:b}}", "execute", "guest-exec", "arguments",
				"path", argv[0], "arg", args, "capture-output", 1),
		 GA_CALL_SECONDS, &ret, err))
		return -1;
	*pid = json_integer_value(json_object_get(ret, "pid"));
	json_decref(ret);
	return 0;
}

int ga_exec(virDomainPtr dom, char *const argv[], double timeout, volatile sig_atomic_t *stop,
	    struct ga_exec *r, char *err)
{
	long long pid;
	return ga_spawn(dom, argv, &pid, err) ? -1 : ga_reap(dom, pid, timeout, stop, r, err);
}

int ga_reap(virDomainPtr dom, long long pid, double timeout, volatile sig_atomic_t *stop,
	    struct ga_exec *r, char *err)
{
	double until = mono() + timeout, pause = 0.05;
	for (;;) {
		int st = exec_status(dom, pid, r, err);
		if (st)
			return st < 0 ? -1 : GA_EXEC_DONE;
		if (stop && *stop)
			return GA_EXEC_STOPPED;
		if (timeout > 0 && mono() > until)
			return GA_EXEC_TIMEOUT;
		usleep((useconds_t)(pause * 1e6));
		pause = pause < 1.0 ? pause * 2 : 1.0;	/* a quick command is seen quickly */
	}
}
