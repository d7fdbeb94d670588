// Checks shared by the C++ test programs: each failed check prints where and exits 1.
#ifndef RNNWF_TEST_CHECK_HPP
#define RNNWF_TEST_CHECK_HPP

#include "rnnwf.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
int checks = 0;
}  // namespace

#define CHECK(cond)                                                                  \
  do {                                                                               \
    checks++;                                                                        \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::exit(1);                                                                  \
    }                                                                                \
  } while (0)

// `expr` throws rnnwf::Error with `status` and a message containing `needle`.
#define EXPECT_ERROR(expr, expected_status, needle)                                        \
  do {                                                                                     \
    checks++;                                                                              \
    try {                                                                                  \
      (void)(expr);                                                                        \
      std::fprintf(stderr, "%s:%d: %s did not throw\n", __FILE__, __LINE__, #expr);       \
      std::exit(1);                                                                        \
    } catch (const rnnwf::Error &e_) {                                                     \
      if (e_.status() != (expected_status) ||                                              \
          std::string(e_.what()).find(needle) == std::string::npos) {                      \
        std::fprintf(stderr, "%s:%d: %s threw %s \"%s\", expected %s mentioning \"%s\"\n", \
                     __FILE__, __LINE__, #expr, e_.status_name(), e_.what(),               \
                     rnnwf::status_name(expected_status).c_str(), needle);                 \
        std::exit(1);                                                                      \
      }                                                                                    \
    }                                                                                      \
  } while (0)

#endif
