#pragma once

#include <QLoggingCategory>

// herald-bench's own category: progress at info, problems at warning (all on stderr).
Q_DECLARE_LOGGING_CATEGORY(lcBench)
