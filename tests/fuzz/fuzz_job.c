/* The job parser: any text gives a job or one error, never a crash, a leak or a hang. */
#include "fuzz.h"
#include "../../tuner/engine/job.h"
#include "../../lib/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), err[ERR_LEN] = "";
	struct job job;
	if (!text)
		return 0;
	if (job_load_text(&job, text, "fuzz.yaml", "/nonexistent", err) == 0) {
		fuzz_assert(job.space.n > 0 && job.space.n <= JOB_MAX_PARAMS);
		job_release(&job);
	} else {
		fuzz_assert(err[0] && !strchr(err, '\n'));	/* one line, said */
	}
	free(text);
	return 0;
}
