/* A line a command or the guest prints: a metric, an applied knob, a note, or ignored. */
#include "fuzz.h"
#include "../../lib/metricline.h"
#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_text(data, size);
	struct metricline ml;
	if (!line)
		return 0;
	enum ml_kind k = metricline_parse(line, &ml);
	if (k == ML_METRIC) {	/* what reaches the store is a named, finite figure */
		fuzz_assert(ml.m.name && ml.m.name[0] && isfinite(ml.m.value));
	} else if (k == ML_APPLIED) {
		fuzz_assert(ml.knob && ml.knob[0]);
	}
	metricline_release(&ml);
	free(line);
	return 0;
}
