#pragma once

#include "scenario/scenarioresult.h"

#include <QByteArray>
#include <QJsonObject>
#include <QString>

#include <vector>

namespace Herald {

// The three ways a run is reported: for people, for CI (JUnit XML) and for tools (JSON).
namespace ScenarioReport {

// Per scenario its verdict, each check with its summary, and the evidence of what failed.
QString text(const std::vector<ScenarioResult> &results, bool verbose = false);

// <testsuites> with one <testsuite> per scenario file and one <testcase> per expectation; a
// failed expectation has a <failure> with its evidence; step errors are a testcase of their own.
QByteArray junit(const std::vector<ScenarioResult> &results);

QJsonObject toJson(const ScenarioResult &result);
QByteArray json(const std::vector<ScenarioResult> &results);

} // namespace ScenarioReport
} // namespace Herald
