#include "scenario/scenario.h"

#include "scenario/scenarioparser.h"

#include <QFile>

namespace Herald {

std::vector<const Expectation *> Scenario::expectations() const
{
    std::vector<const Expectation *> all;
    for (const ScenarioStep &step : steps) {
        for (const Expectation &check : step.checks)
            all.push_back(&check);
    }
    return all;
}

std::optional<Scenario> Scenario::fromJson(const QByteArray &json, const QString &file,
                                           QString *error)
{
    ScenarioParser parser(file);
    std::optional<Scenario> scenario = parser.parse(json);
    if (!scenario && error)
        *error = parser.error();
    return scenario;
}

std::optional<Scenario> Scenario::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("%1: cannot read: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    // Scenario files are small; anything huge is not one.
    if (file.size() > 4 * 1024 * 1024) {
        if (error)
            *error = QStringLiteral("%1: larger than 4 MiB, not a scenario file").arg(path);
        return std::nullopt;
    }
    return fromJson(file.readAll(), path, error);
}

} // namespace Herald
