#include "scenario/scenarioreport.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QXmlStreamWriter>

namespace Herald::ScenarioReport {

namespace {

QString verdict(bool passed)
{
    return passed ? QStringLiteral("PASS") : QStringLiteral("FAIL");
}

QString faultLine(const QJsonObject &fault)
{
    QJsonObject shown = fault;
    shown.remove(QStringLiteral("atMs"));
    return QString::fromUtf8(QJsonDocument(shown).toJson(QJsonDocument::Compact));
}

QString failureText(const CheckResult &check)
{
    QStringList lines{check.summary};
    for (const QString &line : check.evidence)
        lines.append(line);
    if (!check.faults.isEmpty()) {
        lines.append(QStringLiteral("fault log around it (GET /faults):"));
        for (const QJsonValue &fault : check.faults)
            lines.append(QStringLiteral("  ") + faultLine(fault.toObject()));
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace

QString text(const std::vector<ScenarioResult> &results, bool verbose)
{
    QStringList out;
    int passed = 0;
    for (const ScenarioResult &result : results) {
        passed += int(result.passed);
        QString head = QStringLiteral("%1 %2 (%3) in %4 s")
                           .arg(verdict(result.passed), result.name, result.file)
                           .arg(double(result.durationMs) / 1000.0, 0, 'f', 1);
        if (!result.expectPass)
            head += result.asDocumented() ? QStringLiteral(" - documented to fail: as expected")
                                          : QStringLiteral(" - documented to fail");
        else if (!result.passed)
            head += QStringLiteral(" - documented to pass");
        out.append(head);
        for (const QString &error : result.errors)
            out.append(QStringLiteral("  ERROR %1").arg(error));
        for (const CheckResult &check : result.checks) {
            out.append(QStringLiteral("  %1 %2: %3")
                           .arg(verdict(check.passed), check.name, check.summary));
            if (check.passed && !verbose)
                continue;
            for (const QString &line : check.evidence)
                out.append(QStringLiteral("       ") + line);
            if (!check.passed && !check.faults.isEmpty()) {
                out.append(QStringLiteral("       fault log around it:"));
                for (const QJsonValue &fault : check.faults)
                    out.append(QStringLiteral("         ") + faultLine(fault.toObject()));
            }
        }
        for (const QString &note : result.notes)
            out.append(QStringLiteral("  note: %1").arg(note));
        if (verbose) {
            out.append(QStringLiteral("  log:"));
            for (const QString &line : result.log)
                out.append(QStringLiteral("    ") + line);
        }
    }
    out.append(
        QStringLiteral("%1 %2: %3 passed, %4 failed")
            .arg(results.size())
            .arg(results.size() == 1 ? QStringLiteral("scenario") : QStringLiteral("scenarios"))
            .arg(passed)
            .arg(int(results.size()) - passed));
    return out.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

QByteArray junit(const std::vector<ScenarioResult> &results)
{
    QByteArray xml;
    QXmlStreamWriter writer(&xml);
    writer.setAutoFormatting(true);
    writer.writeStartDocument();
    writer.writeStartElement(QStringLiteral("testsuites"));
    int tests = 0;
    int failures = 0;
    for (const ScenarioResult &result : results) {
        tests += int(result.checks.size()) + int(!result.errors.isEmpty());
        failures += int(result.failedChecks().size()) + int(!result.errors.isEmpty());
    }
    writer.writeAttribute(QStringLiteral("name"), QStringLiteral("herald scenarios"));
    writer.writeAttribute(QStringLiteral("tests"), QString::number(tests));
    writer.writeAttribute(QStringLiteral("failures"), QString::number(failures));

    for (const ScenarioResult &result : results) {
        const bool hasErrors = !result.errors.isEmpty();
        writer.writeStartElement(QStringLiteral("testsuite"));
        writer.writeAttribute(QStringLiteral("name"), result.name);
        writer.writeAttribute(QStringLiteral("file"), result.file);
        writer.writeAttribute(QStringLiteral("tests"),
                              QString::number(result.checks.size() + size_t(hasErrors)));
        writer.writeAttribute(QStringLiteral("failures"),
                              QString::number(result.failedChecks().size() + size_t(hasErrors)));
        writer.writeAttribute(QStringLiteral("errors"), QStringLiteral("0"));
        writer.writeAttribute(QStringLiteral("time"),
                              QString::number(double(result.durationMs) / 1000.0, 'f', 3));
        writer.writeAttribute(
            QStringLiteral("timestamp"),
            QDateTime::fromMSecsSinceEpoch(result.startedAtMs, Qt::UTC).toString(Qt::ISODate));

        writer.writeStartElement(QStringLiteral("properties"));
        const QList<QPair<QString, QString>> properties
            = {{QStringLiteral("verdict"), verdict(result.passed)},
               {QStringLiteral("documented"),
                result.expectPass ? QStringLiteral("pass") : QStringLiteral("fail")},
               {QStringLiteral("target"), result.target}};
        for (const auto &[name, value] : properties) {
            writer.writeStartElement(QStringLiteral("property"));
            writer.writeAttribute(QStringLiteral("name"), name);
            writer.writeAttribute(QStringLiteral("value"), value);
            writer.writeEndElement();
        }
        writer.writeEndElement();

        if (hasErrors) {
            writer.writeStartElement(QStringLiteral("testcase"));
            writer.writeAttribute(QStringLiteral("classname"), result.name);
            writer.writeAttribute(QStringLiteral("name"), QStringLiteral("steps"));
            writer.writeStartElement(QStringLiteral("failure"));
            writer.writeAttribute(QStringLiteral("message"), result.errors.constFirst());
            writer.writeAttribute(QStringLiteral("type"), QStringLiteral("step"));
            writer.writeCharacters(result.errors.join(QLatin1Char('\n')));
            writer.writeEndElement();
            writer.writeEndElement();
        }
        for (const CheckResult &check : result.checks) {
            writer.writeStartElement(QStringLiteral("testcase"));
            writer.writeAttribute(QStringLiteral("classname"), result.name);
            writer.writeAttribute(QStringLiteral("name"), check.name);
            if (!check.passed) {
                writer.writeStartElement(QStringLiteral("failure"));
                writer.writeAttribute(QStringLiteral("message"), check.summary);
                writer.writeAttribute(QStringLiteral("type"), check.check);
                writer.writeCharacters(failureText(check));
                writer.writeEndElement();
            } else {
                writer.writeTextElement(QStringLiteral("system-out"), check.summary);
            }
            writer.writeEndElement();
        }
        writer.writeTextElement(QStringLiteral("system-out"), result.log.join(QLatin1Char('\n')));
        writer.writeEndElement();
    }
    writer.writeEndElement();
    writer.writeEndDocument();
    return xml;
}

QJsonObject toJson(const ScenarioResult &result)
{
    QJsonArray checks;
    for (const CheckResult &check : result.checks) {
        checks.append(
            QJsonObject{{QStringLiteral("name"), check.name},
                        {QStringLiteral("check"), check.check},
                        {QStringLiteral("path"), check.path},
                        {QStringLiteral("verdict"), verdict(check.passed)},
                        {QStringLiteral("evaluated"), check.evaluated},
                        {QStringLiteral("summary"), check.summary},
                        {QStringLiteral("evidence"), QJsonArray::fromStringList(check.evidence)},
                        {QStringLiteral("faults"), check.faults}});
    }
    return QJsonObject{
        {QStringLiteral("name"), result.name},
        {QStringLiteral("file"), result.file},
        {QStringLiteral("description"), result.description},
        {QStringLiteral("target"), result.target},
        {QStringLiteral("verdict"), verdict(result.passed)},
        {QStringLiteral("documented"),
         result.expectPass ? QStringLiteral("pass") : QStringLiteral("fail")},
        {QStringLiteral("documentedFailing"), QJsonArray::fromStringList(result.expectedFailing)},
        {QStringLiteral("asDocumented"), result.asDocumented()},
        {QStringLiteral("timedOut"), result.timedOut},
        {QStringLiteral("startedAt"),
         QDateTime::fromMSecsSinceEpoch(result.startedAtMs, Qt::UTC).toString(Qt::ISODateWithMs)},
        {QStringLiteral("durationMs"), double(result.durationMs)},
        {QStringLiteral("published"), double(result.published)},
        {QStringLiteral("checks"), checks},
        {QStringLiteral("errors"), QJsonArray::fromStringList(result.errors)},
        {QStringLiteral("notes"), QJsonArray::fromStringList(result.notes)},
        {QStringLiteral("clients"), result.clients},
        {QStringLiteral("faultLog"), result.faultLog},
        {QStringLiteral("log"), QJsonArray::fromStringList(result.log)}};
}

QByteArray json(const std::vector<ScenarioResult> &results)
{
    QJsonArray scenarios;
    int passed = 0;
    for (const ScenarioResult &result : results) {
        scenarios.append(toJson(result));
        passed += int(result.passed);
    }
    return QJsonDocument(QJsonObject{{QStringLiteral("scenarios"), scenarios},
                                     {QStringLiteral("passed"), passed},
                                     {QStringLiteral("failed"), int(results.size()) - passed}})
        .toJson(QJsonDocument::Indented);
}

} // namespace Herald::ScenarioReport
