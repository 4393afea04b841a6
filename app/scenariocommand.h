#pragma once

#include <QStringList>

// herald scenario run FILE... [--junit OUT.xml] [--json OUT.json] [--url URL] [--timeout S]
// Runs scenario files headless and reports their verdicts. arguments is the whole command line
// (program name first). Returns 0 when every scenario passed, 1 when any failed, 2 on a usage
// error or a bad scenario file. Needs a QCoreApplication.
int runScenarioCommand(const QStringList &arguments);
