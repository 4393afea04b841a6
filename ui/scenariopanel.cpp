#include "scenariopanel.h"

#include "scenario/scenarioreport.h"
#include "scenario/scenariorunner.h"
#include "uilogging.h"

#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include <algorithm>

namespace Herald {

namespace {

const QString examplesDir = QStringLiteral(":/herald/scenarios");

} // namespace

ScenarioPanel::ScenarioPanel(QWidget *parent)
    : QWidget(parent)
    , m_runner(new ScenarioRunner(this))
    , m_examples(new QComboBox(this))
    , m_openButton(new QPushButton(tr("Open…"), this))
    , m_runButton(new QPushButton(tr("Run"), this))
    , m_title(new QLabel(tr("No scenario loaded"), this))
    , m_verdict(new QLabel(this))
    , m_report(new QPlainTextEdit(this))
    , m_timeline(new QListWidget(this))
{
    m_examples->setObjectName(QStringLiteral("scenarioExamples"));
    m_runButton->setObjectName(QStringLiteral("scenarioRun"));
    m_verdict->setObjectName(QStringLiteral("scenarioVerdict"));
    m_timeline->setObjectName(QStringLiteral("scenarioTimeline"));
    m_report->setReadOnly(true);
    m_report->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_runButton->setEnabled(false);
    QFont big = m_verdict->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    m_verdict->setFont(big);

    m_examples->addItem(tr("Examples…"));
    m_examples->addItems(exampleNames());
    connect(m_examples, &QComboBox::activated, this, [this](int index) {
        if (index <= 0)
            return;
        QString error;
        if (!loadExample(m_examples->itemText(index), &error))
            QMessageBox::warning(this, tr("Scenario"), error);
    });
    connect(m_openButton, &QPushButton::clicked, this, &ScenarioPanel::onOpen);
    connect(m_runButton, &QPushButton::clicked, this, [this] { run(); });
    connect(m_runner, &ScenarioRunner::stepStarted, this, [this](int index, const QString &label) {
        m_report->appendPlainText(QStringLiteral("step %1: %2").arg(index + 1).arg(label));
    });

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_examples, 1);
    buttons->addWidget(m_openButton);
    buttons->addWidget(m_runButton);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(m_title);
    layout->addWidget(m_verdict);
    layout->addWidget(m_report, 2);
    layout->addWidget(new QLabel(tr("Timeline: faults and reconnects"), this));
    layout->addWidget(m_timeline, 1);
}

ScenarioPanel::~ScenarioPanel() = default;

void ScenarioPanel::setServerUrl(const QUrl &url)
{
    m_serverUrl = url;
}

QStringList ScenarioPanel::exampleNames()
{
    QStringList names;
    const QStringList files
        = QDir(examplesDir).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
    for (const QString &file : files)
        names.append(QFileInfo(file).completeBaseName());
    return names;
}

bool ScenarioPanel::loadExample(const QString &name, QString *error)
{
    QFile file(examplesDir + QLatin1Char('/') + name + QStringLiteral(".json"));
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("no example scenario \"%1\"").arg(name);
        return false;
    }
    return load(file.readAll(), name + QStringLiteral(".json"), error);
}

bool ScenarioPanel::loadFile(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = tr("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    return load(file.readAll(), path, error);
}

bool ScenarioPanel::load(const QByteArray &json, const QString &file, QString *error)
{
    QString parseError;
    std::optional<Scenario> scenario = Scenario::fromJson(json, file, &parseError);
    if (!scenario) {
        *error = parseError;
        return false;
    }
    m_scenario = std::move(scenario);
    m_title->setText(tr("%1: %2").arg(m_scenario->name, m_scenario->description));
    m_title->setWordWrap(true);
    m_verdict->clear();
    m_report->clear();
    m_timeline->clear();
    m_runButton->setEnabled(true);
    return true;
}

void ScenarioPanel::onOpen()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open a scenario"), QString(),
                                                      tr("Scenarios (*.json)"));
    if (path.isEmpty())
        return;
    QString error;
    if (!loadFile(path, &error))
        QMessageBox::warning(this, tr("Scenario"), error);
}

ScenarioResult ScenarioPanel::run()
{
    if (!m_scenario || m_running)
        return {};
    m_running = true;
    m_runButton->setEnabled(false);
    m_examples->setEnabled(false);
    m_openButton->setEnabled(false);
    m_verdict->setText(tr("running…"));
    m_verdict->setStyleSheet(QString());
    m_report->clear();
    m_timeline->clear();

    ScenarioRunner::Options options;
    options.url = m_serverUrl;
    qCInfo(lcUi) << "running scenario" << m_scenario->name << "against"
                 << (m_serverUrl.isEmpty() ? QStringLiteral("a private server")
                                           : m_serverUrl.toString());
    const ScenarioResult result = m_runner->run(*m_scenario, options);
    show(result);

    m_running = false;
    m_runButton->setEnabled(true);
    m_examples->setEnabled(true);
    m_openButton->setEnabled(true);
    Q_EMIT finished(result.passed);
    return result;
}

void ScenarioPanel::show(const ScenarioResult &result)
{
    const bool asExpected = result.asDocumented();
    m_verdict->setText(result.passed ? tr("PASS") : tr("FAIL"));
    m_verdict->setToolTip(asExpected ? tr("as the scenario file says it should")
                                     : tr("not what the scenario file documents"));
    m_verdict->setStyleSheet(result.passed ? QStringLiteral("color: #1a7f37")
                                           : QStringLiteral("color: #cf222e"));
    m_report->setPlainText(ScenarioReport::text({result}, true));

    // Faults from the server's log and each client's reconnects, in time order, relative to
    // the start of the run.
    struct Entry
    {
        qint64 atMs;
        QString text;
    };
    std::vector<Entry> entries;
    for (const QJsonValue &value : result.faultLog) {
        const QJsonObject fault = value.toObject();
        entries.push_back({qint64(fault.value(QLatin1String("atMs")).toDouble()),
                           tr("fault %1 (reached %2)")
                               .arg(fault.value(QLatin1String("fault")).toString())
                               .arg(fault.value(QLatin1String("applied")).toInt())});
    }
    for (const auto &client : m_runner->clients()) {
        const ClientLog &log = client->log();
        for (const ClientLog::Attempt &attempt : log.attempts) {
            if (attempt.index == 1)
                continue;
            entries.push_back(
                {attempt.atMs,
                 tr("%1 reconnects, Last-Event-ID %2 → %3")
                     .arg(log.name,
                          attempt.sentLastEventId ? QString::fromUtf8(attempt.lastEventIdSent)
                                                  : tr("none"))
                     .arg(attempt.status)});
        }
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry &a, const Entry &b) { return a.atMs < b.atMs; });
    for (const Entry &entry : entries)
        m_timeline->addItem(
            QStringLiteral("+%1 ms  %2").arg(entry.atMs - result.startedAtMs).arg(entry.text));
}

QString ScenarioPanel::verdictText() const
{
    return m_verdict->text();
}

QStringList ScenarioPanel::timeline() const
{
    QStringList lines;
    for (int i = 0; i < m_timeline->count(); ++i)
        lines.append(m_timeline->item(i)->text());
    return lines;
}

} // namespace Herald
