#pragma once

#include "scenario/scenariostep.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace Herald {

// A scenario file, parsed and checked: what to start, publish, break and wait for, and what
// must hold afterwards. The format is described in docs/scenarios.md.
struct Scenario
{
    // Settings for the in-process Herald a scenario starts when no --url is given.
    struct Server
    {
        std::optional<int> retryMs;
        std::optional<int> historySize;
        std::optional<int> heartbeatMs;
        std::optional<qint64> maxQueueBytes;
        std::optional<int> maxClients;
        std::optional<int> workers;
    };

    QString name;
    QString description;
    QString file;
    bool expectPass = true; // the verdict the file documents ("expect")
    QStringList expectedFailing; // the checks documented to fail ("failing")
    int timeoutMs = 60000;
    Server server;
    std::vector<ScenarioStep> steps;

    // Every check of every expect step, in order.
    std::vector<const Expectation *> expectations() const;

    // Parses a scenario; on failure returns nothing and sets error to "FILE: $.path: what".
    static std::optional<Scenario> fromJson(const QByteArray &json, const QString &file,
                                            QString *error);
    static std::optional<Scenario> load(const QString &path, QString *error);
};

} // namespace Herald
