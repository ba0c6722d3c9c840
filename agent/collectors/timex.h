// The timex collector's families from one adjtimex(2) reading, apart from the syscall so that a
// test can give it any kernel state.
#pragma once

#include <sys/timex.h>

#include <vector>

#include "fleet/core/metrics.h"

namespace agent {

// `clock_state` is adjtimex's return value (TIME_OK, ..., TIME_ERROR).
std::vector<fleet::metrics::Family> TimexFamilies(const struct timex& t, int clock_state);

}  // namespace agent
