#include "uilogging.h"

// Lifecycle at info (server started, exports written), failures at warning, never payloads.
Q_LOGGING_CATEGORY(lcUi, "herald.ui", QtInfoMsg)
