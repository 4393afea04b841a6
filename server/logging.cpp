#include "logging.h"

// Connections are logged at debug, lifecycle at info, failures at warning; payloads never
// above debug. Info is on by default so that a headless run tells what it is doing.
Q_LOGGING_CATEGORY(lcProtocol, "herald.server.protocol", QtInfoMsg)
Q_LOGGING_CATEGORY(lcBroadcast, "herald.server.broadcast", QtInfoMsg)
Q_LOGGING_CATEGORY(lcHttp, "herald.server.http", QtInfoMsg)
Q_LOGGING_CATEGORY(lcRelay, "herald.relay", QtInfoMsg)
Q_LOGGING_CATEGORY(lcFaults, "herald.server.faults", QtInfoMsg)
Q_LOGGING_CATEGORY(lcScenario, "herald.scenario", QtInfoMsg)
