// What the fuzz targets assert. A failed check prints what broke and aborts, which libFuzzer
// reports as a crash (saving the input) and the corpus replay as a failed test; a plain assert
// would vanish in the RelWithDebInfo build.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                              \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)
