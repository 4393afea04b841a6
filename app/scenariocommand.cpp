#include "scenariocommand.h"

#include "scenario/scenario.h"
#include "scenario/scenarioreport.h"
#include "scenario/scenariorunner.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QUrl>

#include <cstdio>
#include <vector>

namespace {

const char usageText[]
    = "Usage: herald scenario run FILE... [--junit OUT.xml] [--json OUT.json]\n"
      "                                   [--url http://HOST:PORT [--token T]]\n"
      "                                   [--timeout SECONDS] [--verbose]\n"
      "\n"
      "Runs each scenario file against a Herald started in this process on a free loopback\n"
      "port, or against the running Herald at --url, and prints each verdict.\n"
      "\n"
      "  --junit FILE    also write a JUnit XML report (a testsuite per file)\n"
      "  --json FILE     also write a JSON report\n"
      "  --url URL       run against this Herald instead (publish, faults and the client count\n"
      "                  go through its HTTP API; the files' \"server\" settings are ignored:\n"
      "                  start that Herald with matching options, e.g. --retry 400)\n"
      "  --token T       the publish token of the Herald at --url (also HERALD_PUBLISH_TOKEN)\n"
      "  --timeout S     per-scenario time limit in seconds, instead of the files' own\n"
      "  --verbose       show the evidence of passing checks and each scenario's step log\n"
      "\n"
      "Exit status: 0 all passed, 1 some failed, 2 usage error or bad scenario file.\n"
      "The file format is described in docs/scenarios.md.\n";

int usageError(const QString &message)
{
    std::fprintf(stderr, "herald scenario: %s\n\n%s", qPrintable(message), usageText);
    return 2;
}

bool writeFile(const QString &path, const QByteArray &contents, QString *error)
{
    // Written whole or not at all: a CI job never picks up half a report.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(contents) != contents.size()
        || !file.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

// A report is written after every scenario ran: find out first whether it can be.
bool canWriteTo(const QString &path)
{
    const QFileInfo file(path);
    if (file.exists())
        return file.isFile() && file.isWritable();
    const QFileInfo folder(file.absolutePath());
    return folder.isDir() && folder.isWritable();
}

} // namespace

int runScenarioCommand(const QStringList &arguments)
{
    const QStringList args = arguments.mid(2);
    if (args.isEmpty())
        return usageError(QStringLiteral("missing command (run)"));
    if (args.first() == QLatin1String("--help") || args.first() == QLatin1String("-h")
        || args.first() == QLatin1String("help")) {
        std::fputs(usageText, stdout);
        return 0;
    }
    if (args.first() != QLatin1String("run"))
        return usageError(
            QStringLiteral("unknown command '%1' (only 'run' exists)").arg(args.first()));

    QStringList files;
    QString junitPath;
    QString jsonPath;
    QUrl url;
    QByteArray token = qgetenv("HERALD_PUBLISH_TOKEN").trimmed();
    int timeoutMs = 0;
    bool verbose = false;
    for (qsizetype i = 1; i < args.size(); ++i) {
        const QString &arg = args[i];
        auto value = [&](QString *out) {
            if (i + 1 >= args.size() || args[i + 1].isEmpty())
                return false;
            *out = args[++i];
            return true;
        };
        QString text;
        if (arg == QLatin1String("--help") || arg == QLatin1String("-h")) {
            std::fputs(usageText, stdout);
            return 0;
        } else if (arg == QLatin1String("--junit")) {
            if (!value(&junitPath))
                return usageError(QStringLiteral("--junit needs a file name"));
        } else if (arg == QLatin1String("--json")) {
            if (!value(&jsonPath))
                return usageError(QStringLiteral("--json needs a file name"));
        } else if (arg == QLatin1String("--url")) {
            if (!value(&text))
                return usageError(QStringLiteral("--url needs a URL"));
            url = QUrl(text, QUrl::StrictMode);
            if (!url.isValid() || url.scheme() != QLatin1String("http") || url.host().isEmpty())
                return usageError(QStringLiteral("--url must be an http:// URL, e.g. "
                                                 "http://127.0.0.1:8080 (got '%1')")
                                      .arg(text));
        } else if (arg == QLatin1String("--token")) {
            if (!value(&text))
                return usageError(QStringLiteral("--token needs the publish token"));
            token = text.toUtf8();
        } else if (arg == QLatin1String("--timeout")) {
            bool ok = false;
            const double seconds = value(&text) ? text.toDouble(&ok) : 0;
            if (!ok || seconds <= 0 || seconds > 86400)
                return usageError(QStringLiteral("--timeout needs a number of seconds above 0 "
                                                 "and at most 86400 (got '%1')")
                                      .arg(text));
            timeoutMs = int(seconds * 1000);
        } else if (arg == QLatin1String("--verbose") || arg == QLatin1String("-v")) {
            verbose = true;
        } else if (arg.startsWith(QLatin1Char('-')) && arg != QLatin1String("-")) {
            return usageError(QStringLiteral("unknown option '%1'").arg(arg));
        } else {
            files.append(arg);
        }
    }
    if (files.isEmpty())
        return usageError(QStringLiteral("no scenario file given"));
    for (const QString &report : {junitPath, jsonPath}) {
        if (!report.isEmpty() && !canWriteTo(report))
            return usageError(QStringLiteral("cannot write the report to %1").arg(report));
    }

    // Every file is read and checked before anything runs: a typo in the last file should not
    // cost the time of running the others first.
    std::vector<Herald::Scenario> scenarios;
    QStringList errors;
    for (const QString &file : files) {
        QString error;
        std::optional<Herald::Scenario> scenario = Herald::Scenario::load(file, &error);
        if (!scenario)
            errors.append(error);
        else
            scenarios.push_back(std::move(*scenario));
    }
    if (!errors.isEmpty()) {
        for (const QString &error : errors)
            std::fprintf(stderr, "herald scenario: %s\n", qPrintable(error));
        return 2;
    }

    Herald::ScenarioRunner runner;
    Herald::ScenarioRunner::Options options;
    options.url = url;
    options.token = token;
    options.timeoutMs = timeoutMs;
    std::vector<Herald::ScenarioResult> results;
    for (const Herald::Scenario &scenario : scenarios) {
        std::fprintf(stderr, "herald scenario: running %s\n", qPrintable(scenario.file));
        results.push_back(runner.run(scenario, options));
        const Herald::ScenarioResult &result = results.back();
        std::fprintf(stderr, "herald scenario: %s %s\n", result.passed ? "PASS" : "FAIL",
                     qPrintable(result.name));
    }

    std::fputs(qPrintable(Herald::ScenarioReport::text(results, verbose)), stdout);
    std::fflush(stdout);

    QString error;
    if ((!junitPath.isEmpty()
         && !writeFile(junitPath, Herald::ScenarioReport::junit(results), &error))
        || (!jsonPath.isEmpty()
            && !writeFile(jsonPath, Herald::ScenarioReport::json(results), &error))) {
        std::fprintf(stderr, "herald scenario: %s\n", qPrintable(error));
        return 2;
    }

    for (const Herald::ScenarioResult &result : results) {
        if (!result.passed)
            return 1;
    }
    return 0;
}
