#pragma once

#include "node/nodehost.h"

#include <QPointer>
#include <QWidget>

#include <atomic>
#include <memory>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QRadioButton;
class QSpinBox;

namespace Herald {

// Writes events by hand: topic, event type and data (templates with {{variables}}), published
// once, N times or at a rate, to a topic or, outside the id sequence, to the selected client.
class Composer : public QWidget
{
    Q_OBJECT

public:
    explicit Composer(QWidget *parent = nullptr);

    void setHost(NodeHost *host);
    // The client a direct message goes to; 0 when none is selected.
    void setSelectedClient(quint64 clientId);

    QString topic() const;
    QString eventType() const;
    QString data() const;
    void setDraft(const QString &topic, const QString &eventType, const QString &data);
    bool isRatePublishing() const { return m_rateRunning; }

    // Publishing, as the buttons do it.
    void publishOnce();
    void publishMany(int count);
    void startRate(double perSecond);
    void stopRate();

    // Templates, kept in QSettings by name.
    void saveTemplate(const QString &name);
    bool loadTemplate(const QString &name);
    void removeTemplate(const QString &name);
    QStringList templateNames() const;

Q_SIGNALS:
    // Something worth a line in the status bar happened (published, failed, sent).
    void statusMessage(const QString &message);

private:
    void onPublished(qint64 firstId, qint64 lastId, qsizetype count);
    void onPublishFailed(const QString &error);
    void onDirectSent(quint64 clientId, bool delivered);
    void onRateStopped(quint64 published);
    void onTargetChanged();
    void onTemplateActivated(int index);
    bool validate(QString *error) const;
    NodeHost::DraftGenerator generator() const;
    void refreshTemplateList();
    void showResult(const QString &text, bool failure);

    QPointer<NodeHost> m_host;
    quint64 m_selectedClient = 0;
    bool m_rateRunning = false;
    // Shared with generators running on the server thread.
    std::shared_ptr<std::atomic<quint64>> m_counter = std::make_shared<std::atomic<quint64>>(0);

    QComboBox *m_templates;
    QPushButton *m_saveTemplate;
    QPushButton *m_removeTemplate;
    QLineEdit *m_topic;
    QLineEdit *m_type;
    QPlainTextEdit *m_data;
    QRadioButton *m_toTopic;
    QRadioButton *m_toClient;
    QPushButton *m_publish;
    QSpinBox *m_count;
    QPushButton *m_publishMany;
    QDoubleSpinBox *m_rate;
    QPushButton *m_rateButton;
    QLabel *m_result;
};

} // namespace Herald
