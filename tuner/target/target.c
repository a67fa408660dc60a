#include "target.h"

#include <string.h>

extern const struct target_ops target_exec;
extern const struct target_ops target_libvirt;

static const struct target_ops *const targets[] = {
	&target_exec,
	&target_libvirt,
	NULL,
};

const struct target_ops *target_find(const char *name)
{
	for (size_t i = 0; targets[i]; i++)
		if (!strcmp(targets[i]->name, name))
			return targets[i];
	return NULL;
}

int target_undo(enum undo_kind kind, const char *what, const char *host, char *err)
{
	int rc = TARGET_NOT_MINE;
	for (size_t i = 0; targets[i] && rc == TARGET_NOT_MINE; i++)
		if (targets[i]->undo)
			rc = targets[i]->undo(kind, what, host, err);
	return rc;
}

const struct target_ops *const *target_list(void)
{
	return targets;
}

void trial_result_init(struct trial_result *res)
{
	memset(res, 0, sizeof(*res));
	strbuf_init(&res->reason);
	strbuf_init(&res->stderr_tail);
	strbuf_init(&res->domain_xml);
	strbuf_init(&res->live_xml);
	strbuf_init(&res->console_path);
}

void trial_result_release(struct trial_result *res)
{
	strbuf_release(&res->reason);
	strbuf_release(&res->stderr_tail);
	strbuf_release(&res->domain_xml);
	strbuf_release(&res->live_xml);
	strbuf_release(&res->console_path);
}

int uri_is_remote(const char *uri)
{
	const char *p = uri ? strstr(uri, "://") : NULL;
	return p && p[3] && p[3] != '/';
}
