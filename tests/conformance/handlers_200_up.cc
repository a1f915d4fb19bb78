// C++ handlers for scenarios 200 and up; each mirrors its handler.js. None is
// recorded yet.
#include "tests/conformance/scenario.h"
