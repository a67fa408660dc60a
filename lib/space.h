#ifndef SPACE_H
#define SPACE_H
/*
 * The search space: an ordered list of parameters, each with a type, a
 * domain and a default, and the configurations drawn from it.
 *
 * A configuration is an array of union pval, one per parameter in space
 * order (config_new() allocates one, free() releases it). Its JSON form is an
 * object in the same order: ints as integers, floats as reals, categoricals
 * as strings, bools as true/false. This JSON is what the store keeps and the
 * exec target hands to the command, so it is part of the public interface.
 *
 * Functions returning int give 0 or -1 with a message in err (err.h).
 */
#include <stddef.h>
#include <stdint.h>
#include "strbuf.h"

enum param_type { P_INT, P_FLOAT, P_CAT, P_BOOL };

/*
 * A float as it is stored, shown and passed on: 15 significant digits,
 * read back. Monotone: a value within [min, max] whose bounds are their own
 * canonical form stays within them, and finite.
 */
double float_canonical(double f);

union pval {
	int64_t i;	/* P_INT */
	double f;	/* P_FLOAT */
	size_t c;	/* P_CAT: index into values */
	int b;		/* P_BOOL: 0 or 1 */
};

struct param {
	char *name;
	enum param_type type;
	double min, max;	/* P_INT, P_FLOAT: inclusive bounds */
	double step;		/* P_INT: >= 1; P_FLOAT: 0 means continuous */
	char **values;		/* P_CAT */
	size_t nvalues;
	union pval def;
	/* P_INT (step 1), P_FLOAT (continuous), min > 0: drawn, modelled and
	 * moved in the log of the value (as Optuna's log=True): 4 KiB to 16 MiB
	 * as evenly as 1 to 4096. */
	int log;
	/* Conditional: active only while the parameter at index parent - 1 (an
	 * earlier one) holds one of `when`; parent 0: unconditional. An inactive
	 * parameter holds its default in every configuration. */
	size_t parent;
	union pval *when;
	size_t nwhen;
};

/*
 * A forbidden clause (as ConfigSpace's): a conjunction of terms, each on an
 * active parameter; a configuration matching every term is never proposed.
 * FORBID_IN: the parameter holds one of values; FORBID_ABOVE: its value is
 * above that of parameter `other` (both ints). A term on an inactive
 * parameter never matches.
 */
enum forbid_kind { FORBID_IN, FORBID_ABOVE };
struct forbid_term {
	size_t param;
	enum forbid_kind kind;
	union pval *values;
	size_t nvalues;
	size_t other;
};
struct forbid {
	struct forbid_term *t;
	size_t n;
	char *why;		/* what it is, as said to the user */
	int line, col;		/* where the job states it; 0: the catalogue's rule */
};

struct space {
	struct param *p;
	size_t n;
	struct forbid *forbid;
	size_t nforbid;
};

const char *param_type_name(enum param_type t);
int param_type_parse(const char *s, enum param_type *t);
/* 0 if name is acceptable ([A-Za-z0-9_.-], starting with a letter). */
int param_name_valid(const char *name);

/*
 * Number of distinct values of p, or 0 for a continuous float. Values are
 * numbered 0..n-1 in increasing order (false before true, categoricals in
 * the order given).
 */
uint64_t param_levels(const struct param *p);
union pval param_level(const struct param *p, uint64_t k);
/* The level number of a value of p (the inverse of param_level). */
uint64_t param_index(const struct param *p, union pval v);
/*
 * A value's place on [0, 1], in the log of the value when p->log (an int's
 * integers each with the width of [v - 0.5, v + 0.5]), and back: the
 * nearest value of p. Strategies draw, model and move on it.
 */
double param_unit(const struct param *p, union pval v);
union pval param_at_unit(const struct param *p, double u);
/* Checks that v lies in p's domain (and on its step grid). */
int param_value_check(const struct param *p, union pval v, char *err);
int pval_equal(const struct param *p, union pval a, union pval b);
/* Text form, as in VMTUNE_P_* variables: 42, 0.5, gzip, true. */
void pval_format(const struct param *p, union pval v, struct strbuf *out);
/* Parses the text form; -1 when it is not a value of p. */
int pval_parse(const struct param *p, const char *s, union pval *v, char *err);

void space_init(struct space *sp);
void space_release(struct space *sp);
/* Takes ownership of the strings in *p. */
void space_add(struct space *sp, struct param *p);
const struct param *space_find(const struct space *sp, const char *name, size_t *index);

/* Takes ownership of f's terms and why. */
void space_forbid(struct space *sp, struct forbid *f);
/* 0 when cfg is allowed; else 1 + the index of the first clause it matches. */
size_t config_forbidden(const struct space *sp, const union pval *cfg);

/* Is parameter i active in cfg (its parent, recursively, allowing it)? */
int param_active(const struct space *sp, const union pval *cfg, size_t i);
/*
 * Puts every inactive parameter of cfg back to its default, and each float
 * to 15 significant digits, as it is stored and shown (then the stored
 * configuration is exactly the one proposed, and a resume finds it again).
 */
void config_canonical(const struct space *sp, union pval *cfg);

union pval *config_new(const struct space *sp);
union pval *config_defaults(const struct space *sp);
union pval *config_dup(const struct space *sp, const union pval *c);
int config_equal(const struct space *sp, const union pval *a, const union pval *b);
/* Compact JSON object, caller frees. */
char *config_to_json(const struct space *sp, const union pval *c);
/* Parses and validates; every parameter must be present, no others. */
int config_from_json(const struct space *sp, const char *json, union pval *c, char *err);

#endif
