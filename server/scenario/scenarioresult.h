#pragma once

#include <QJsonArray>
#include <QString>
#include <QStringList>

#include <vector>

namespace Herald {

// The verdict of one expectation, with what backs it.
struct CheckResult
{
    QString name;
    QString check; // the kind, e.g. "no-gaps"
    QString path; // where it is in the file
    bool passed = false;
    bool evaluated = true; // false: the run never got to it (timeout, error)
    QString summary; // one line
    QStringList evidence; // which client, which ids, which timestamps
    QJsonArray faults; // the fault log entries around what failed
};

// The verdict of one scenario run.
struct ScenarioResult
{
    QString name;
    QString file;
    QString description;
    QString target; // the server it ran against
    bool expectPass = true; // what the file documents
    QStringList expectedFailing;
    bool passed = false;
    bool timedOut = false;
    qint64 startedAtMs = 0;
    qint64 durationMs = 0;
    std::vector<CheckResult> checks;
    QStringList errors; // steps that could not be carried out; any makes the run FAIL
    QStringList notes; // worth knowing, not failures (a wait that timed out, ignored settings)
    QStringList log; // each step as it ran, with times
    QJsonArray faultLog;
    QJsonArray clients; // per virtual client: counts and state
    qint64 published = 0;

    QStringList failedChecks() const
    {
        QStringList names;
        for (const CheckResult &check : checks) {
            if (!check.passed)
                names.append(check.name);
        }
        return names;
    }
    // The run came out as the file says it should: the verdict, and when the file lists
    // failing checks, exactly those failed.
    bool asDocumented() const
    {
        if (passed != expectPass)
            return false;
        if (passed || expectedFailing.isEmpty())
            return true;
        QStringList failed = failedChecks();
        QStringList expected = expectedFailing;
        failed.sort();
        expected.sort();
        return failed == expected && errors.isEmpty() && !timedOut;
    }
};

} // namespace Herald
