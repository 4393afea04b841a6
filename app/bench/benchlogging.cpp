#include "benchlogging.h"

Q_LOGGING_CATEGORY(lcBench, "herald.bench", QtInfoMsg)
