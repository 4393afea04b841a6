#pragma once

#include "scenario/scenario.h"
#include "scenario/scenarioresult.h"

#include <QUrl>
#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;

namespace Herald {

class ScenarioRunner;

// Loads a scenario (one of the shipped examples, or a file), runs it against the window's own
// server, and shows its steps as they run, then the verdict of each check and a timeline of
// the faults and reconnects. The virtual clients live on the GUI thread while it runs; they
// are few and only read their sockets, so the window stays usable.
class ScenarioPanel : public QWidget
{
    Q_OBJECT

public:
    explicit ScenarioPanel(QWidget *parent = nullptr);
    ~ScenarioPanel() override;

    // The server scenarios run against; empty: each run starts a private one in this process.
    void setServerUrl(const QUrl &url);
    QUrl serverUrl() const { return m_serverUrl; }

    // The shipped examples, by name ("close", "bad-ignores-retry", ...).
    static QStringList exampleNames();
    bool loadExample(const QString &name, QString *error);
    bool loadFile(const QString &path, QString *error);
    const std::optional<Scenario> &scenario() const { return m_scenario; }

    // Runs the loaded scenario to its verdict (the event loop keeps turning meanwhile).
    ScenarioResult run();
    bool isRunning() const { return m_running; }

    QString verdictText() const;
    QStringList timeline() const;

Q_SIGNALS:
    void finished(bool passed);

private:
    bool load(const QByteArray &json, const QString &file, QString *error);
    void onOpen();
    void show(const ScenarioResult &result);

    std::optional<Scenario> m_scenario;
    QUrl m_serverUrl;
    bool m_running = false;
    ScenarioRunner *m_runner;
    QComboBox *m_examples;
    QPushButton *m_openButton;
    QPushButton *m_runButton;
    QLabel *m_title;
    QLabel *m_verdict;
    QPlainTextEdit *m_report;
    QListWidget *m_timeline;
};

} // namespace Herald
