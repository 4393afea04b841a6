#include "scenario/scenarioparser.h"

#include "faults/fault.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <cmath>

namespace Herald {

namespace {

QString typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("a boolean");
    case QJsonValue::Double:
        return QStringLiteral("a number");
    case QJsonValue::String:
        return QStringLiteral("a string");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

QString quoted(const QString &text)
{
    return QLatin1Char('"') + text + QLatin1Char('"');
}

QString field(const QString &path, const QString &key)
{
    return path + QLatin1Char('.') + key;
}

// The topic rule of the HTTP API (README, "Publishing").
bool isValidTopic(const QString &topic)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_.:/-]{1,128}$"));
    return pattern.match(topic).hasMatch();
}

// Fault parameters go to POST /faults (or FaultInjector) exactly as written.
const QStringList faultParameters
    = {QStringLiteral("bytesPerSecond"), QStringLiteral("events"), QStringLiteral("ms"),
       QStringLiteral("retry"),          QStringLiteral("count"),  QStringLiteral("status"),
       QStringLiteral("retryAfter")};

const QStringList untilNames
    = {QStringLiteral("connected"), QStringLiteral("client-count"), QStringLiteral("received"),
       QStringLiteral("caught-up"), QStringLiteral("stopped"),      QStringLiteral("opens"),
       QStringLiteral("background")};

QString plural(qint64 count, const char *one, const char *many)
{
    return QString::number(count) + QLatin1Char(' ') + QLatin1String(count == 1 ? one : many);
}

} // namespace

ScenarioParser::ScenarioParser(QString file)
    : m_file(std::move(file))
{ }

bool ScenarioParser::fail(const QString &path, const QString &message)
{
    if (m_error.isEmpty())
        m_error = QStringLiteral("%1: %2: %3").arg(m_file, path, message);
    return false;
}

bool ScenarioParser::checkFields(const QJsonObject &object, const QString &path,
                                 const QStringList &allowed)
{
    for (auto it = object.begin(); it != object.end(); ++it) {
        // "comment" is allowed everywhere: JSON has no comments of its own.
        if (it.key() != QLatin1String("comment") && !allowed.contains(it.key())) {
            return fail(field(path, it.key()),
                        QStringLiteral("unknown field; allowed here: %1")
                            .arg(allowed.join(QLatin1String(", "))));
        }
    }
    return true;
}

bool ScenarioParser::readInt(const QJsonObject &object, const QString &path, const QString &key,
                             qint64 min, qint64 max, qint64 *out, bool required)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined()) {
        if (required)
            return fail(path, QStringLiteral("missing field %1").arg(quoted(key)));
        return true;
    }
    const double number = value.toDouble();
    if (!value.isDouble() || std::floor(number) != number || number < double(min)
        || number > double(max)) {
        return fail(field(path, key),
                    QStringLiteral("must be a whole number from %1 to %2 (got %3)")
                        .arg(min)
                        .arg(max)
                        .arg(value.isDouble() ? QString::number(number) : typeName(value)));
    }
    *out = qint64(number);
    return true;
}

bool ScenarioParser::readNumber(const QJsonObject &object, const QString &path, const QString &key,
                                double min, double max, double *out, bool required)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined()) {
        if (required)
            return fail(path, QStringLiteral("missing field %1").arg(quoted(key)));
        return true;
    }
    const double number = value.toDouble();
    if (!value.isDouble() || number < min || number > max) {
        return fail(field(path, key),
                    QStringLiteral("must be a number from %1 to %2 (got %3)")
                        .arg(min)
                        .arg(max)
                        .arg(value.isDouble() ? QString::number(number) : typeName(value)));
    }
    *out = number;
    return true;
}

bool ScenarioParser::readString(const QJsonObject &object, const QString &path, const QString &key,
                                QString *out, bool required, const QStringList &choices)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined()) {
        if (required)
            return fail(path, QStringLiteral("missing field %1").arg(quoted(key)));
        return true;
    }
    if (!value.isString())
        return fail(field(path, key),
                    QStringLiteral("must be a string (got %1)").arg(typeName(value)));
    if (!choices.isEmpty() && !choices.contains(value.toString())) {
        return fail(field(path, key),
                    QStringLiteral("unknown value %1; one of: %2")
                        .arg(quoted(value.toString()), choices.join(QLatin1String(", "))));
    }
    *out = value.toString();
    return true;
}

bool ScenarioParser::readBool(const QJsonObject &object, const QString &path, const QString &key,
                              bool *out)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined())
        return true;
    if (!value.isBool())
        return fail(field(path, key),
                    QStringLiteral("must be true or false (got %1)").arg(typeName(value)));
    *out = value.toBool();
    return true;
}

bool ScenarioParser::readTopics(const QJsonObject &object, const QString &path, const QString &key,
                                QStringList *out)
{
    const QJsonValue value = object.value(key);
    if (value.isUndefined())
        return true;
    if (!value.isArray() || value.toArray().isEmpty())
        return fail(field(path, key), QStringLiteral("must be a non-empty array of topic names"));
    QStringList topics;
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString itemPath = field(path, key) + QStringLiteral("[%1]").arg(i);
        if (!array[i].isString())
            return fail(itemPath,
                        QStringLiteral("must be a string (got %1)").arg(typeName(array[i])));
        if (!isValidTopic(array[i].toString()))
            return fail(itemPath,
                        QStringLiteral("not a topic name: 1 to 128 letters, digits or _-.:/"));
        topics.append(array[i].toString());
    }
    *out = topics;
    return true;
}

bool ScenarioParser::readSelection(const QJsonObject &object, const QString &path,
                                   ClientSelection *out)
{
    const QJsonValue group = object.value(QLatin1String("group"));
    const QJsonValue clients = object.value(QLatin1String("clients"));
    if (!group.isUndefined() && !clients.isUndefined())
        return fail(path, QStringLiteral("give \"group\" or \"clients\", not both"));
    if (!group.isUndefined()) {
        if (!group.isString())
            return fail(field(path, QStringLiteral("group")),
                        QStringLiteral("must be a string (got %1)").arg(typeName(group)));
        if (!m_groupSizes.contains(group.toString()))
            return fail(field(path, QStringLiteral("group")),
                        QStringLiteral("no start step before this one makes group %1")
                            .arg(quoted(group.toString())));
        out->kind = ClientSelection::Kind::Group;
        out->group = group.toString();
        return true;
    }
    if (clients.isUndefined() || clients.toString() == QLatin1String("all")) {
        out->kind = ClientSelection::Kind::All;
        return true;
    }
    if (!clients.isArray() || clients.toArray().isEmpty())
        return fail(field(path, QStringLiteral("clients")),
                    QStringLiteral("must be \"all\" or a non-empty array of client names"));
    QStringList names;
    const QJsonArray array = clients.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString name = array[i].toString();
        // Clients are named GROUP-N, N from 1, in the order their start steps make them.
        const qsizetype dash = name.lastIndexOf(QLatin1Char('-'));
        bool ok = false;
        const int number = dash > 0 ? name.mid(dash + 1).toInt(&ok) : 0;
        if (!array[i].isString() || !ok || number < 1
            || number > m_groupSizes.value(name.left(dash), 0)) {
            return fail(field(path, QStringLiteral("clients[%1]").arg(i)),
                        QStringLiteral("no client named %1 is started before this point "
                                       "(clients are named GROUP-N)")
                            .arg(quoted(name)));
        }
        names.append(name);
    }
    out->kind = ClientSelection::Kind::Names;
    out->names = names;
    return true;
}

std::optional<Scenario> ScenarioParser::parse(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        // Line and column are what an editor shows.
        const QByteArray before = json.left(parseError.offset);
        const qsizetype line = before.count('\n') + 1;
        const qsizetype column = parseError.offset - (before.lastIndexOf('\n') + 1) + 1;
        fail(QStringLiteral("$"),
             QStringLiteral("not valid JSON at line %1, column %2: %3")
                 .arg(line)
                 .arg(column)
                 .arg(parseError.errorString()));
        return std::nullopt;
    }
    if (!document.isObject()) {
        fail(QStringLiteral("$"), QStringLiteral("a scenario is a JSON object"));
        return std::nullopt;
    }

    const QString root = QStringLiteral("$");
    const QJsonObject object = document.object();
    Scenario scenario;
    scenario.file = m_file;
    QString expect = QStringLiteral("pass");
    double timeoutSeconds = 60;
    if (!checkFields(object, root,
                     {QStringLiteral("name"), QStringLiteral("description"),
                      QStringLiteral("expect"), QStringLiteral("failing"),
                      QStringLiteral("timeoutSeconds"), QStringLiteral("server"),
                      QStringLiteral("steps")})
        || !readString(object, root, QStringLiteral("name"), &scenario.name)
        || !readString(object, root, QStringLiteral("description"), &scenario.description)
        || !readString(object, root, QStringLiteral("expect"), &expect, false,
                       {QStringLiteral("pass"), QStringLiteral("fail")})
        || !readNumber(object, root, QStringLiteral("timeoutSeconds"), 1, 3600, &timeoutSeconds)
        || !parseServer(object.value(QLatin1String("server")),
                        field(root, QStringLiteral("server")), &scenario.server))
        return std::nullopt;
    scenario.expectPass = expect == QLatin1String("pass");
    scenario.timeoutMs = int(timeoutSeconds * 1000);

    const QJsonValue steps = object.value(QLatin1String("steps"));
    if (steps.isUndefined()) {
        fail(root, QStringLiteral("missing field \"steps\""));
        return std::nullopt;
    }
    if (!steps.isArray() || steps.toArray().isEmpty()) {
        fail(field(root, QStringLiteral("steps")),
             QStringLiteral("must be a non-empty array of steps"));
        return std::nullopt;
    }
    const QJsonArray stepArray = steps.toArray();
    for (qsizetype i = 0; i < stepArray.size(); ++i) {
        ScenarioStep step;
        step.path = QStringLiteral("$.steps[%1]").arg(i);
        if (!parseStep(stepArray[i], step.path, &step))
            return std::nullopt;
        scenario.steps.push_back(std::move(step));
    }
    if (scenario.expectations().empty()) {
        fail(field(root, QStringLiteral("steps")),
             QStringLiteral("no expect step: a scenario without checks cannot fail"));
        return std::nullopt;
    }

    const QJsonValue failing = object.value(QLatin1String("failing"));
    if (!failing.isUndefined()) {
        const QString path = field(root, QStringLiteral("failing"));
        if (scenario.expectPass) {
            fail(path,
                 QStringLiteral("only a scenario with \"expect\": \"fail\" lists failing checks"));
            return std::nullopt;
        }
        if (!failing.isArray() || failing.toArray().isEmpty()) {
            fail(path, QStringLiteral("must be a non-empty array of check names"));
            return std::nullopt;
        }
        const QJsonArray names = failing.toArray();
        for (qsizetype i = 0; i < names.size(); ++i) {
            if (!m_checkNames.contains(names[i].toString())) {
                fail(path + QStringLiteral("[%1]").arg(i),
                     QStringLiteral("no check is named %1").arg(quoted(names[i].toString())));
                return std::nullopt;
            }
            scenario.expectedFailing.append(names[i].toString());
        }
    }
    if (scenario.name.isEmpty())
        scenario.name = m_file.section(QLatin1Char('/'), -1).section(QLatin1Char('.'), 0, 0);
    return scenario;
}

bool ScenarioParser::parseServer(const QJsonValue &value, const QString &path,
                                 Scenario::Server *server)
{
    if (value.isUndefined())
        return true;
    if (!value.isObject())
        return fail(path, QStringLiteral("must be an object (got %1)").arg(typeName(value)));
    const QJsonObject object = value.toObject();
    if (!checkFields(object, path,
                     {QStringLiteral("retryMs"), QStringLiteral("history"),
                      QStringLiteral("heartbeatMs"), QStringLiteral("maxQueueBytes"),
                      QStringLiteral("maxClients"), QStringLiteral("workers")}))
        return false;
    const qint64 day = 24 * 3600 * 1000;
    struct IntField
    {
        const char *key;
        qint64 min;
        qint64 max;
        std::optional<int> *target;
    };
    const IntField fields[] = {
        {"retryMs", 0, day, &server->retryMs},
        {"history", 0, 10000000, &server->historySize},
        {"heartbeatMs", 10, day, &server->heartbeatMs},
        {"maxClients", 0, 1000000, &server->maxClients},
        {"workers", 1, 64, &server->workers},
    };
    for (const IntField &entry : fields) {
        qint64 number = -1;
        if (!readInt(object, path, QLatin1String(entry.key), entry.min, entry.max, &number))
            return false;
        if (object.contains(QLatin1String(entry.key)))
            *entry.target = int(number);
    }
    qint64 queue = -1;
    if (!readInt(object, path, QStringLiteral("maxQueueBytes"), 1024, qint64(1) << 32, &queue))
        return false;
    if (queue > 0)
        server->maxQueueBytes = queue;
    return true;
}

bool ScenarioParser::parseStep(const QJsonValue &value, const QString &path, ScenarioStep *step)
{
    if (!value.isObject())
        return fail(path, QStringLiteral("a step is an object (got %1)").arg(typeName(value)));
    const QJsonObject object = value.toObject();
    const QJsonValue kind = object.value(QLatin1String("step"));
    if (kind.isUndefined())
        return fail(
            path, QStringLiteral("missing field \"step\" (start, publish, fault, wait or expect)"));
    if (!kind.isString())
        return fail(field(path, QStringLiteral("step")),
                    QStringLiteral("must be a string (got %1)").arg(typeName(kind)));
    const QString name = kind.toString();
    if (name == QLatin1String("start"))
        return parseStart(object, path, step);
    if (name == QLatin1String("publish"))
        return parsePublish(object, path, step);
    if (name == QLatin1String("fault"))
        return parseFault(object, path, step);
    if (name == QLatin1String("wait"))
        return parseWait(object, path, step);
    if (name == QLatin1String("expect"))
        return parseExpect(object, path, step);
    return fail(field(path, QStringLiteral("step")),
                QStringLiteral("unknown step %1; one of: start, publish, fault, wait, expect")
                    .arg(quoted(name)));
}

bool ScenarioParser::parseStart(const QJsonObject &object, const QString &path, ScenarioStep *step)
{
    step->kind = ScenarioStep::Kind::Start;
    qint64 count = 1;
    qint64 delay = 0;
    qint64 rate = 1024;
    QString kind = QStringLiteral("good");
    QString group = QStringLiteral("clients");
    QStringList topics = {QStringLiteral("default")};
    if (!checkFields(object, path,
                     {QStringLiteral("step"), QStringLiteral("count"), QStringLiteral("kind"),
                      QStringLiteral("topics"), QStringLiteral("group"), QStringLiteral("delayMs"),
                      QStringLiteral("bytesPerSecond")})
        || !readInt(object, path, QStringLiteral("count"), 1, 5000, &count)
        || !readString(object, path, QStringLiteral("kind"), &kind, false,
                       VirtualClient::behaviourNames())
        || !readTopics(object, path, QStringLiteral("topics"), &topics)
        || !readString(object, path, QStringLiteral("group"), &group)
        || !readInt(object, path, QStringLiteral("delayMs"), 0, 3600000, &delay)
        || !readInt(object, path, QStringLiteral("bytesPerSecond"), 1, 1 << 30, &rate))
        return false;
    static const QRegularExpression groupPattern(QStringLiteral("^[A-Za-z0-9_.]{1,64}$"));
    if (!groupPattern.match(group).hasMatch())
        return fail(field(path, QStringLiteral("group")),
                    QStringLiteral("a group name is 1 to 64 letters, digits, '_' or '.'"));
    step->behaviour = *VirtualClient::behaviourFromName(kind);
    if (object.contains(QLatin1String("delayMs"))
        && step->behaviour != VirtualClient::Behaviour::IgnoresRetry)
        return fail(field(path, QStringLiteral("delayMs")),
                    QStringLiteral("only an ignores-retry client has a delay of its own"));
    if (object.contains(QLatin1String("bytesPerSecond"))
        && step->behaviour != VirtualClient::Behaviour::ReadsSlowly)
        return fail(field(path, QStringLiteral("bytesPerSecond")),
                    QStringLiteral("only a reads-slowly client has a reading rate"));
    step->clients = int(count);
    step->topics = topics;
    step->group = group;
    step->ownDelayMs = int(delay);
    step->readBytesPerSecond = rate;
    m_groupSizes[group] += int(count);
    step->label = QStringLiteral("start %1 %2 (group %3) on %4")
                      .arg(plural(count, "client", "clients"), kind, group,
                           topics.join(QLatin1String(", ")));
    return true;
}

bool ScenarioParser::parsePublish(const QJsonObject &object, const QString &path,
                                  ScenarioStep *step)
{
    step->kind = ScenarioStep::Kind::Publish;
    QString topic = QStringLiteral("default");
    QString type = QStringLiteral("message");
    qint64 count = 1;
    qint64 duration = 0;
    qint64 size = 0;
    double rate = 0;
    if (!checkFields(object, path,
                     {QStringLiteral("step"), QStringLiteral("topic"), QStringLiteral("event"),
                      QStringLiteral("count"), QStringLiteral("rate"), QStringLiteral("durationMs"),
                      QStringLiteral("sizeBytes"), QStringLiteral("background")})
        || !readString(object, path, QStringLiteral("topic"), &topic)
        || !readString(object, path, QStringLiteral("event"), &type)
        || !readInt(object, path, QStringLiteral("count"), 1, 1000000, &count)
        || !readNumber(object, path, QStringLiteral("rate"), 0.01, 100000, &rate)
        || !readInt(object, path, QStringLiteral("durationMs"), 1, 3600000, &duration)
        || !readInt(object, path, QStringLiteral("sizeBytes"), 0, 1 << 20, &size)
        || !readBool(object, path, QStringLiteral("background"), &step->background))
        return false;
    if (!isValidTopic(topic))
        return fail(field(path, QStringLiteral("topic")),
                    QStringLiteral("not a topic name: 1 to 128 letters, digits or _-.:/"));
    if (type.isEmpty() || type.contains(QLatin1Char('\r')) || type.contains(QLatin1Char('\n')))
        return fail(field(path, QStringLiteral("event")),
                    QStringLiteral("an event type is not empty and holds no CR or LF"));
    const bool hasCount = object.contains(QLatin1String("count"));
    const bool hasRate = object.contains(QLatin1String("rate"));
    const bool hasDuration = object.contains(QLatin1String("durationMs"));
    if (hasDuration && !hasRate)
        return fail(path, QStringLiteral("\"durationMs\" needs a \"rate\""));
    if (hasDuration && hasCount)
        return fail(path, QStringLiteral("give \"count\" or \"durationMs\", not both"));
    if (hasRate && !hasCount && !hasDuration)
        return fail(path, QStringLiteral("\"rate\" needs a \"count\" or a \"durationMs\""));
    if (hasDuration)
        count = std::max<qint64>(1, qint64(std::llround(rate * double(duration) / 1000.0)));
    if (count > 1000000)
        return fail(path, QStringLiteral("more than 1000000 events"));
    step->topic = topic;
    step->eventType = type.toUtf8();
    step->count = int(count);
    step->rate = rate;
    step->padBytes = int(size);
    step->label = QStringLiteral("publish %1 on %2").arg(plural(count, "event", "events"), topic);
    if (hasRate)
        step->label += QStringLiteral(" at %1/s").arg(rate);
    if (step->background)
        step->label += QStringLiteral(" (background)");
    return true;
}

bool ScenarioParser::parseFault(const QJsonObject &object, const QString &path, ScenarioStep *step)
{
    step->kind = ScenarioStep::Kind::Fault;
    QStringList allowed
        = {QStringLiteral("step"),      QStringLiteral("fault"),  QStringLiteral("group"),
           QStringLiteral("clients"),   QStringLiteral("repeat"), QStringLiteral("intervalMs"),
           QStringLiteral("background")};
    allowed += faultParameters;
    qint64 repeat = 1;
    qint64 interval = 1000;
    if (!checkFields(object, path, allowed)
        || !readInt(object, path, QStringLiteral("repeat"), 1, 10000, &repeat)
        || !readInt(object, path, QStringLiteral("intervalMs"), 0, 3600000, &interval)
        || !readBool(object, path, QStringLiteral("background"), &step->background))
        return false;

    const QJsonValue kind = object.value(QLatin1String("fault"));
    if (kind.isUndefined())
        return fail(path,
                    QStringLiteral("missing field \"fault\" (%1)")
                        .arg(Fault::names().join(QLatin1String(", "))));
    if (!kind.isString() || !Fault::kindFromName(kind.toString()))
        return fail(field(path, QStringLiteral("fault")),
                    QStringLiteral("unknown fault kind %1; one of: %2")
                        .arg(kind.isString() ? quoted(kind.toString()) : typeName(kind),
                             Fault::names().join(QLatin1String(", "))));

    QJsonObject fault{{QStringLiteral("fault"), kind}};
    for (const QString &key : faultParameters) {
        if (object.contains(key))
            fault.insert(key, object.value(key));
    }
    // Let the fault itself say what it needs (drip needs bytesPerSecond, and so on).
    QString error;
    const std::optional<Fault> parsed = Fault::fromJson(fault, &error);
    if (!parsed)
        return fail(path, error);
    step->clientFault = parsed->isClientFault();
    if (!readSelection(object, path, &step->target))
        return false;
    if (!step->clientFault && step->target.kind != ClientSelection::Kind::All)
        return fail(
            path,
            QStringLiteral("%1 acts on the server, not on chosen clients").arg(kind.toString()));
    step->fault = fault;
    step->repeat = int(repeat);
    step->intervalMs = int(interval);
    step->label = QStringLiteral("fault %1")
                      .arg(QString::fromUtf8(
                          QJsonDocument(parsed->toJson()).toJson(QJsonDocument::Compact)));
    if (step->clientFault)
        step->label += QStringLiteral(" on ") + step->target.describe();
    if (repeat > 1)
        step->label += QStringLiteral(", %1 times every %2 ms").arg(repeat).arg(interval);
    if (step->background)
        step->label += QStringLiteral(" (background)");
    return true;
}

bool ScenarioParser::parseWait(const QJsonObject &object, const QString &path, ScenarioStep *step)
{
    step->kind = ScenarioStep::Kind::Wait;
    qint64 ms = 0;
    qint64 timeout = 10000;
    qint64 count = -1;
    QString until;
    if (!checkFields(object, path,
                     {QStringLiteral("step"), QStringLiteral("ms"), QStringLiteral("until"),
                      QStringLiteral("count"), QStringLiteral("timeoutMs"), QStringLiteral("group"),
                      QStringLiteral("clients"), QStringLiteral("required")})
        || !readInt(object, path, QStringLiteral("ms"), 0, 3600000, &ms)
        || !readString(object, path, QStringLiteral("until"), &until, false, untilNames)
        || !readInt(object, path, QStringLiteral("count"), 0, 100000000, &count)
        || !readInt(object, path, QStringLiteral("timeoutMs"), 1, 3600000, &timeout)
        || !readBool(object, path, QStringLiteral("required"), &step->required)
        || !readSelection(object, path, &step->target))
        return false;
    const bool hasMs = object.contains(QLatin1String("ms"));
    if (hasMs == !until.isEmpty())
        return fail(path, QStringLiteral("a wait step has either \"ms\" or \"until\""));
    if (hasMs) {
        if (object.size() > 2 + int(object.contains(QLatin1String("comment"))))
            return fail(path, QStringLiteral("a wait of \"ms\" takes no other field"));
        step->until = ScenarioStep::Until::Time;
        step->ms = int(ms);
        step->label = QStringLiteral("wait %1 ms").arg(ms);
        return true;
    }
    static const ScenarioStep::Until untils[]
        = {ScenarioStep::Until::Connected, ScenarioStep::Until::ClientCount,
           ScenarioStep::Until::Received,  ScenarioStep::Until::CaughtUp,
           ScenarioStep::Until::Stopped,   ScenarioStep::Until::Opens,
           ScenarioStep::Until::Background};
    step->until = untils[untilNames.indexOf(until)];
    const bool needsCount = step->until == ScenarioStep::Until::ClientCount
        || step->until == ScenarioStep::Until::Received
        || step->until == ScenarioStep::Until::Opens;
    if (needsCount && count < 0)
        return fail(path, QStringLiteral("missing field \"count\" (until %1)").arg(until));
    if (!needsCount && count >= 0)
        return fail(field(path, QStringLiteral("count")),
                    QStringLiteral("until %1 takes no count").arg(until));
    step->count = int(count);
    step->timeoutMs = int(timeout);
    step->label = QStringLiteral("wait until %1").arg(until);
    if (needsCount)
        step->label += QStringLiteral(" %1").arg(count);
    if (step->until != ScenarioStep::Until::ClientCount
        && step->until != ScenarioStep::Until::Background)
        step->label += QStringLiteral(" (%1)").arg(step->target.describe());
    step->label += QStringLiteral(", at most %1 ms").arg(timeout);
    return true;
}

bool ScenarioParser::parseExpect(const QJsonObject &object, const QString &path, ScenarioStep *step)
{
    step->kind = ScenarioStep::Kind::Expect;
    if (!checkFields(object, path, {QStringLiteral("step"), QStringLiteral("checks")}))
        return false;
    const QJsonValue checks = object.value(QLatin1String("checks"));
    if (checks.isUndefined())
        return fail(path, QStringLiteral("missing field \"checks\""));
    if (!checks.isArray() || checks.toArray().isEmpty())
        return fail(field(path, QStringLiteral("checks")),
                    QStringLiteral("must be a non-empty array of checks"));
    const QJsonArray array = checks.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        Expectation check;
        check.path = field(path, QStringLiteral("checks[%1]").arg(i));
        if (!parseExpectation(array[i], check.path, &check))
            return false;
        step->checks.push_back(check);
    }
    step->label = QStringLiteral("expect %1").arg(plural(qint64(array.size()), "check", "checks"));
    return true;
}

bool ScenarioParser::parseExpectation(const QJsonValue &value, const QString &path,
                                      Expectation *check)
{
    if (!value.isObject())
        return fail(path, QStringLiteral("a check is an object (got %1)").arg(typeName(value)));
    const QJsonObject object = value.toObject();
    const QJsonValue kindValue = object.value(QLatin1String("check"));
    if (kindValue.isUndefined())
        return fail(path,
                    QStringLiteral("missing field \"check\" (%1)")
                        .arg(Expectation::kindNames().join(QLatin1String(", "))));
    const auto kind = Expectation::kindFromName(kindValue.toString());
    if (!kindValue.isString() || !kind)
        return fail(
            field(path, QStringLiteral("check")),
            QStringLiteral("unknown check %1; one of: %2")
                .arg(kindValue.isString() ? quoted(kindValue.toString()) : typeName(kindValue),
                     Expectation::kindNames().join(QLatin1String(", "))));
    check->kind = *kind;

    QStringList allowed = {QStringLiteral("check"), QStringLiteral("name"), QStringLiteral("group"),
                           QStringLiteral("clients")};
    QStringList required;
    switch (*kind) {
    case Expectation::Kind::ReconnectTiming:
        allowed << QStringLiteral("toleranceMs") << QStringLiteral("earlyMs");
        break;
    case Expectation::Kind::Replay:
        allowed << QStringLiteral("value");
        required << QStringLiteral("value");
        break;
    case Expectation::Kind::ClientCount:
        allowed = QStringList{QStringLiteral("check"), QStringLiteral("name"),
                              QStringLiteral("equals")};
        required << QStringLiteral("equals");
        break;
    case Expectation::Kind::ClientStopped:
        allowed << QStringLiteral("status");
        break;
    case Expectation::Kind::Latency:
        allowed << QStringLiteral("belowMs") << QStringLiteral("percentile");
        required << QStringLiteral("belowMs");
        break;
    case Expectation::Kind::Reconnects:
    case Expectation::Kind::Received:
        allowed << QStringLiteral("atLeast") << QStringLiteral("atMost");
        break;
    default:
        break;
    }
    if (!checkFields(object, path, allowed))
        return false;
    for (const QString &key : required) {
        if (!object.contains(key))
            return fail(path,
                        QStringLiteral("missing field %1 (check %2)")
                            .arg(quoted(key), kindValue.toString()));
    }

    QString replay;
    qint64 tolerance = check->toleranceMs;
    qint64 early = check->earlyMs;
    qint64 equals = 0;
    qint64 status = 0;
    qint64 below = 0;
    qint64 atLeast = -1;
    qint64 atMost = -1;
    if (!readString(object, path, QStringLiteral("name"), &check->name)
        || !readSelection(object, path, &check->clients)
        || !readInt(object, path, QStringLiteral("toleranceMs"), 0, 3600000, &tolerance)
        || !readInt(object, path, QStringLiteral("earlyMs"), 0, 3600000, &early)
        || !readString(object, path, QStringLiteral("value"), &replay, false,
                       {QStringLiteral("full"), QStringLiteral("gap")})
        || !readInt(object, path, QStringLiteral("equals"), 0, 10000000, &equals)
        || !readInt(object, path, QStringLiteral("status"), 100, 599, &status)
        || !readInt(object, path, QStringLiteral("belowMs"), 1, 3600000, &below)
        || !readNumber(object, path, QStringLiteral("percentile"), 1, 100, &check->percentile)
        || !readInt(object, path, QStringLiteral("atLeast"), 0, 100000000, &atLeast)
        || !readInt(object, path, QStringLiteral("atMost"), 0, 100000000, &atMost))
        return false;
    if ((*kind == Expectation::Kind::Reconnects || *kind == Expectation::Kind::Received)
        && atLeast < 0 && atMost < 0)
        return fail(path, QStringLiteral("give \"atLeast\", \"atMost\" or both"));
    if (atLeast >= 0 && atMost >= 0 && atMost < atLeast)
        return fail(field(path, QStringLiteral("atMost")),
                    QStringLiteral("is less than \"atLeast\""));
    check->toleranceMs = int(tolerance);
    check->earlyMs = int(early);
    check->replay = replay.toUtf8();
    check->equals = int(equals);
    check->status = int(status);
    check->belowMs = int(below);
    if (atLeast >= 0)
        check->atLeast = int(atLeast);
    if (atMost >= 0)
        check->atMost = int(atMost);

    if (check->name.isEmpty()) {
        // A readable, unique default: "no-gaps", "no-gaps (group bad)", "no-gaps #2".
        QString base = kindValue.toString();
        if (check->clients.kind != ClientSelection::Kind::All)
            base += QStringLiteral(" (%1)").arg(check->clients.describe());
        check->name = base;
        for (int n = 2; m_checkNames.contains(check->name); ++n)
            check->name = QStringLiteral("%1 #%2").arg(base).arg(n);
    } else if (m_checkNames.contains(check->name)) {
        return fail(field(path, QStringLiteral("name")),
                    QStringLiteral("another check is already named %1").arg(quoted(check->name)));
    }
    m_checkNames.insert(check->name);
    return true;
}

} // namespace Herald
