#include "metricline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

/* A JSON string as C text: NULL when it is none, or holds a NUL ("\u0000") that would cut it. */
static const char *text(json_t *j)
{
	const char *s = json_string_value(j);
	return s && strlen(s) == json_string_length(j) ? s : NULL;
}

static enum ml_kind parse_metric(json_t *o, struct metricline *ml)
{
	json_t *name = json_object_get(o, "metric"), *value = json_object_get(o, "value");
	json_t *unit = json_object_get(o, "unit"), *better = json_object_get(o, "better");
	json_t *rep = json_object_get(o, "rep");
	if (!text(name) || !*text(name) || !json_is_number(value))
		return ML_OTHER;
	ml->m.name = json_string_value(name);
	ml->m.value = json_number_value(value);
	if (!isfinite(ml->m.value))
		return ML_OTHER;
	if (unit && !text(unit))
		return ML_OTHER;
	ml->m.unit = unit ? json_string_value(unit) : NULL;
	ml->m.better = BETTER_UNKNOWN;
	if (better) {
		const char *b = json_string_value(better);
		if (b && !strcmp(b, "higher"))
			ml->m.better = BETTER_HIGHER;
		else if (b && !strcmp(b, "lower"))
			ml->m.better = BETTER_LOWER;
		else
			return ML_OTHER;
	}
	if (rep && (!json_is_integer(rep) || json_integer_value(rep) < 0 ||
		    json_integer_value(rep) > 1000000000))
		return ML_OTHER;
	ml->m.rep = rep ? (int)json_integer_value(rep) : 0;
	return ML_METRIC;
}

static enum ml_kind parse_applied(json_t *o, struct metricline *ml)
{
	json_t *knob = json_object_get(o, "applied"), *value = json_object_get(o, "value");
	if (!text(knob) || !*text(knob) || !value)	/* a knob has a name */
		return ML_OTHER;
	ml->knob = text(knob);
	if (json_is_string(value)) {
		if (!text(value))
			return ML_OTHER;
		strbuf_addstr(&ml->applied_value, text(value));
	} else {
		char *s = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
		if (!s)
			return ML_OTHER;
		strbuf_addstr(&ml->applied_value, s);
		free(s);
	}
	return ML_APPLIED;
}

enum ml_kind metricline_parse(const char *line, struct metricline *ml)
{
	memset(ml, 0, sizeof(*ml));
	strbuf_init(&ml->applied_value);
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
	ml->json = o;
	if (!json_is_object(o))
		return ml->kind = ML_OTHER;
	if (json_object_get(o, "metric"))
		ml->kind = parse_metric(o, ml);
	else if (json_object_get(o, "applied"))
		ml->kind = parse_applied(o, ml);
	else if (json_is_string(json_object_get(o, "out"))) {
		ml->out = json_string_value(json_object_get(o, "out"));
		ml->kind = ML_OUT;
	} else if (text(json_object_get(o, "note"))) {
		ml->note = text(json_object_get(o, "note"));
		ml->kind = ML_NOTE;
	}
	return ml->kind;
}

void metricline_release(struct metricline *ml)
{
	json_decref(ml->json);
	strbuf_release(&ml->applied_value);
	ml->json = NULL;
}
