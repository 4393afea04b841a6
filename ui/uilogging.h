#pragma once

#include <QLoggingCategory>

// The console window's category; the server's are in server/logging.h.
Q_DECLARE_LOGGING_CATEGORY(lcUi)
