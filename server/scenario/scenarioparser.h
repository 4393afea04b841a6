#pragma once

#include "scenario/scenario.h"

#include <QHash>
#include <QJsonObject>
#include <QJsonValue>
#include <QSet>
#include <QString>

#include <optional>

namespace Herald {

// Reads a scenario file strictly: unknown fields, missing fields, wrong types and values out of
// range are errors that name the JSON path ("$.steps[2].count"), so that a typo never turns
// into a scenario that silently checks less than its author meant.
class ScenarioParser
{
public:
    explicit ScenarioParser(QString file);

    std::optional<Scenario> parse(const QByteArray &json);
    // "FILE: $.path: what is wrong"
    QString error() const { return m_error; }

private:
    bool fail(const QString &path, const QString &message);
    bool checkFields(const QJsonObject &object, const QString &path, const QStringList &allowed);
    bool readInt(const QJsonObject &object, const QString &path, const QString &key, qint64 min,
                 qint64 max, qint64 *out, bool required = false);
    bool readNumber(const QJsonObject &object, const QString &path, const QString &key, double min,
                    double max, double *out, bool required = false);
    bool readString(const QJsonObject &object, const QString &path, const QString &key,
                    QString *out, bool required = false, const QStringList &choices = {});
    bool readBool(const QJsonObject &object, const QString &path, const QString &key, bool *out);
    bool readTopics(const QJsonObject &object, const QString &path, const QString &key,
                    QStringList *out);
    bool readSelection(const QJsonObject &object, const QString &path, ClientSelection *out);

    bool parseServer(const QJsonValue &value, const QString &path, Scenario::Server *server);
    bool parseStep(const QJsonValue &value, const QString &path, ScenarioStep *step);
    bool parseStart(const QJsonObject &object, const QString &path, ScenarioStep *step);
    bool parsePublish(const QJsonObject &object, const QString &path, ScenarioStep *step);
    bool parseFault(const QJsonObject &object, const QString &path, ScenarioStep *step);
    bool parseWait(const QJsonObject &object, const QString &path, ScenarioStep *step);
    bool parseExpect(const QJsonObject &object, const QString &path, ScenarioStep *step);
    bool parseExpectation(const QJsonValue &value, const QString &path, Expectation *check);

    QString m_file;
    QString m_error;
    QHash<QString, int> m_groupSizes; // groups made by the start steps so far
    QSet<QString> m_checkNames;
};

} // namespace Herald
