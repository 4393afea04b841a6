#include "composer.h"

#include "protocol/frameencoder.h"
#include "templateexpander.h"
#include "uilogging.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QVBoxLayout>

namespace Herald {

namespace {

const QString TemplatesKey = QStringLiteral("composer/templates");

bool isValidTopic(const QString &topic)
{
    // The same rule as the HTTP API (README, "Publishing").
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9_\\-.:/]{1,128}$"));
    return pattern.match(topic).hasMatch();
}

} // namespace

Composer::Composer(QWidget *parent)
    : QWidget(parent)
    , m_templates(new QComboBox(this))
    , m_saveTemplate(new QPushButton(tr("Save…"), this))
    , m_removeTemplate(new QPushButton(tr("Delete"), this))
    , m_topic(new QLineEdit(QStringLiteral("default"), this))
    , m_type(new QLineEdit(QStringLiteral("message"), this))
    , m_data(new QPlainTextEdit(this))
    , m_toTopic(new QRadioButton(tr("Topic subscribers"), this))
    , m_toClient(new QRadioButton(tr("Selected client only"), this))
    , m_publish(new QPushButton(tr("Publish"), this))
    , m_count(new QSpinBox(this))
    , m_publishMany(new QPushButton(tr("Publish N"), this))
    , m_rate(new QDoubleSpinBox(this))
    , m_rateButton(new QPushButton(tr("Start rate"), this))
    , m_result(new QLabel(this))
{
    m_templates->setObjectName(QStringLiteral("templateCombo"));
    m_topic->setObjectName(QStringLiteral("topicEdit"));
    m_type->setObjectName(QStringLiteral("eventTypeEdit"));
    m_data->setObjectName(QStringLiteral("dataEdit"));
    m_toTopic->setObjectName(QStringLiteral("targetTopic"));
    m_toClient->setObjectName(QStringLiteral("targetClient"));
    m_publish->setObjectName(QStringLiteral("publishButton"));
    m_count->setObjectName(QStringLiteral("countSpin"));
    m_publishMany->setObjectName(QStringLiteral("publishManyButton"));
    m_rate->setObjectName(QStringLiteral("rateSpin"));
    m_rateButton->setObjectName(QStringLiteral("rateButton"));
    m_result->setObjectName(QStringLiteral("composerResult"));

    m_templates->setPlaceholderText(tr("Templates"));
    m_templates->setToolTip(tr("Saved drafts; choosing one fills the composer"));
    m_topic->setToolTip(tr("1 to 128 letters, digits or _-.:/"));
    m_type->setToolTip(tr("The SSE event type; \"message\" sends no event: line.<br>")
                       + TemplateExpander::help());
    m_data->setPlaceholderText(tr("Data (several lines become several data: lines); "
                                  "hover for {{variables}}"));
    m_data->setToolTip(TemplateExpander::help());
    m_data->setMinimumHeight(48);
    m_data->setPlainText(QStringLiteral("{\"n\": {{counter}}, \"at\": \"{{time}}\"}"));
    m_toTopic->setChecked(true);
    m_toClient->setEnabled(false);
    m_toClient->setToolTip(
        tr("Sends one event frame to the client selected in the table only. It carries no id: "
           "ids are one sequence for everybody, so the client's Last-Event-ID stays where it "
           "was; the event is not kept for replay nor relayed to other nodes."));
    m_publish->setToolTip(tr("Publish once (Ctrl+Return)"));
    m_count->setRange(1, 1000000);
    m_count->setValue(100);
    m_count->setToolTip(tr("How many events \"Publish N\" sends"));
    m_rate->setRange(0.1, 100000);
    m_rate->setDecimals(1);
    m_rate->setValue(10);
    m_rate->setSuffix(tr(" /s"));
    m_rate->setToolTip(tr("Events per second while the rate publisher runs"));
    m_result->setWordWrap(true);
    m_result->hide(); // shown with the first result
    m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *templateRow = new QHBoxLayout;
    templateRow->addWidget(m_templates, 1);
    templateRow->addWidget(m_saveTemplate);
    templateRow->addWidget(m_removeTemplate);

    auto *targetRow = new QHBoxLayout;
    targetRow->addWidget(m_toTopic);
    targetRow->addWidget(m_toClient);
    targetRow->addStretch();

    auto *topicRow = new QHBoxLayout;
    topicRow->addWidget(m_topic, 1);
    topicRow->addWidget(new QLabel(tr("Event"), this));
    topicRow->addWidget(m_type, 1);

    auto *form = new QFormLayout;
    form->addRow(tr("Template"), templateRow);
    form->addRow(tr("Topic"), topicRow);
    form->addRow(tr("Data"), m_data);
    form->addRow(tr("To"), targetRow);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_publish);
    buttons->addSpacing(12);
    buttons->addWidget(m_count);
    buttons->addWidget(m_publishMany);
    buttons->addSpacing(12);
    buttons->addWidget(m_rate);
    buttons->addWidget(m_rateButton);
    buttons->addStretch();

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form, 1);
    layout->addLayout(buttons);
    layout->addWidget(m_result);

    connect(m_publish, &QPushButton::clicked, this, &Composer::publishOnce);
    connect(m_publishMany, &QPushButton::clicked, this, [this] { publishMany(m_count->value()); });
    connect(m_rateButton, &QPushButton::clicked, this, [this] {
        if (m_rateRunning)
            stopRate();
        else
            startRate(m_rate->value());
    });
    connect(m_toTopic, &QRadioButton::toggled, this, &Composer::onTargetChanged);
    connect(m_templates, &QComboBox::activated, this, &Composer::onTemplateActivated);
    connect(m_saveTemplate, &QPushButton::clicked, this, [this] {
        bool ok = false;
        const QString name
            = QInputDialog::getText(this, tr("Save template"), tr("Name"), QLineEdit::Normal,
                                    m_templates->currentText(), &ok);
        if (ok && !name.trimmed().isEmpty())
            saveTemplate(name.trimmed());
    });
    connect(m_removeTemplate, &QPushButton::clicked, this, [this] {
        if (!m_templates->currentText().isEmpty())
            removeTemplate(m_templates->currentText());
    });
    auto *shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), this);
    shortcut->setContext(Qt::WidgetWithChildrenShortcut);
    connect(shortcut, &QShortcut::activated, this, &Composer::publishOnce);

    refreshTemplateList();
}

void Composer::setHost(NodeHost *host)
{
    if (m_host)
        disconnect(m_host, nullptr, this, nullptr);
    m_host = host;
    if (!host)
        return;
    connect(host, &NodeHost::published, this, &Composer::onPublished);
    connect(host, &NodeHost::publishFailed, this, &Composer::onPublishFailed);
    connect(host, &NodeHost::directSent, this, &Composer::onDirectSent);
    connect(host, &NodeHost::rateStopped, this, &Composer::onRateStopped);
    connect(host, &NodeHost::stopped, this, [this] {
        m_rateRunning = false;
        m_rateButton->setText(tr("Start rate"));
    });
}

void Composer::setSelectedClient(quint64 clientId)
{
    m_selectedClient = clientId;
    m_toClient->setEnabled(clientId != 0);
    m_toClient->setText(clientId ? tr("Client %1 only").arg(clientId) : tr("Selected client only"));
    if (!clientId && m_toClient->isChecked())
        m_toTopic->setChecked(true);
}

QString Composer::topic() const
{
    return m_topic->text().trimmed();
}

QString Composer::eventType() const
{
    return m_type->text();
}

QString Composer::data() const
{
    return m_data->toPlainText();
}

void Composer::setDraft(const QString &topic, const QString &eventType, const QString &data)
{
    m_topic->setText(topic);
    m_type->setText(eventType);
    m_data->setPlainText(data);
}

bool Composer::validate(QString *error) const
{
    if (!m_host || !m_host->isRunning()) {
        *error = tr("The server is not running.");
        return false;
    }
    if (!m_toClient->isChecked() && !isValidTopic(topic())) {
        *error = tr("A topic is 1 to 128 letters, digits or _-.:/");
        return false;
    }
    const QString type = eventType();
    if (type.contains(QLatin1Char('\r')) || type.contains(QLatin1Char('\n'))) {
        *error = tr("An event type may not hold a line break.");
        return false;
    }
    return true;
}

NodeHost::DraftGenerator Composer::generator() const
{
    const QString topic = this->topic();
    const QString type = eventType().isEmpty() ? QStringLiteral("message") : eventType();
    const QString data = this->data();
    const bool expand
        = TemplateExpander::hasVariables(type) || TemplateExpander::hasVariables(data);
    auto counter = m_counter;
    if (!expand) {
        // The same draft every time: built once, copied (shared) per event.
        EventDraft draft;
        draft.topic = topic;
        draft.type = type.toUtf8();
        draft.data = data.toUtf8();
        return [draft, counter](quint64) {
            counter->fetch_add(1, std::memory_order_relaxed);
            return draft;
        };
    }
    return [topic, type, data, counter](quint64 index) {
        TemplateExpander::Context context;
        context.counter = counter->fetch_add(1, std::memory_order_relaxed) + 1;
        context.index = index;
        context.now = QDateTime::currentDateTimeUtc();
        context.topic = topic;
        EventDraft draft;
        draft.topic = topic;
        draft.type = TemplateExpander::expand(type, context).toUtf8();
        draft.data = TemplateExpander::expand(data, context).toUtf8();
        // An expanded type with a line break would break the frame: fall back to message.
        if (!FrameEncoder::isValidEventType(draft.type))
            draft.type = QByteArrayLiteral("message");
        return draft;
    };
}

void Composer::publishOnce()
{
    QString error;
    if (!validate(&error)) {
        showResult(error, true);
        return;
    }
    if (m_toClient->isChecked()) {
        if (!m_selectedClient) {
            showResult(tr("Select a client in the table first."), true);
            return;
        }
        const EventDraft draft = generator()(0);
        m_host->sendDirect(m_selectedClient, draft.type, draft.data);
        return;
    }
    m_host->publishGenerated(1, generator());
}

void Composer::publishMany(int count)
{
    QString error;
    if (!validate(&error)) {
        showResult(error, true);
        return;
    }
    if (m_toClient->isChecked()) {
        showResult(tr("Direct messages go one at a time; publish once instead."), true);
        return;
    }
    m_host->publishGenerated(quint64(std::max(1, count)), generator());
}

void Composer::startRate(double perSecond)
{
    QString error;
    if (!validate(&error)) {
        showResult(error, true);
        return;
    }
    if (m_toClient->isChecked()) {
        showResult(tr("The rate publisher publishes to topics only."), true);
        return;
    }
    m_host->startRate(perSecond, generator());
    m_rateRunning = true;
    m_rateButton->setText(tr("Stop rate"));
    showResult(tr("Publishing %1 events/s to %2").arg(perSecond).arg(topic()), false);
}

void Composer::stopRate()
{
    if (m_host)
        m_host->stopRate();
    m_rateRunning = false;
    m_rateButton->setText(tr("Start rate"));
}

void Composer::onPublished(qint64 firstId, qint64 lastId, qsizetype count)
{
    if (count == 1)
        showResult(tr("Published id %1").arg(firstId), false);
    else
        showResult(tr("Published %1 events, ids %2 to %3").arg(count).arg(firstId).arg(lastId),
                   false);
}

void Composer::onPublishFailed(const QString &error)
{
    showResult(tr("Publishing failed: %1").arg(error), true);
}

void Composer::onDirectSent(quint64 clientId, bool delivered)
{
    if (delivered)
        showResult(tr("Sent to client %1 only (no id)").arg(clientId), false);
    else
        showResult(tr("Client %1 is gone").arg(clientId), true);
}

void Composer::onRateStopped(quint64 published)
{
    m_rateRunning = false;
    m_rateButton->setText(tr("Start rate"));
    showResult(tr("Rate publisher stopped after %1 events").arg(published), false);
}

void Composer::onTargetChanged()
{
    const bool toTopic = m_toTopic->isChecked();
    m_topic->setEnabled(toTopic);
    m_publishMany->setEnabled(toTopic);
    m_count->setEnabled(toTopic);
    m_rateButton->setEnabled(toTopic || m_rateRunning);
}

void Composer::showResult(const QString &text, bool failure)
{
    m_result->setText(text);
    m_result->show();
    m_result->setStyleSheet(failure ? QStringLiteral("color: #c0392b") : QString());
    if (failure)
        qCInfo(lcUi).noquote() << "composer:" << text;
    Q_EMIT statusMessage(text);
}

void Composer::saveTemplate(const QString &name)
{
    QSettings settings;
    QVariantMap templates = settings.value(TemplatesKey).toMap();
    templates.insert(name,
                     QVariantMap{{QStringLiteral("topic"), m_topic->text()},
                                 {QStringLiteral("event"), m_type->text()},
                                 {QStringLiteral("data"), data()}});
    settings.setValue(TemplatesKey, templates);
    refreshTemplateList();
    m_templates->setCurrentText(name);
}

bool Composer::loadTemplate(const QString &name)
{
    const QVariantMap templates = QSettings().value(TemplatesKey).toMap();
    if (!templates.contains(name))
        return false;
    const QVariantMap t = templates.value(name).toMap();
    setDraft(t.value(QStringLiteral("topic")).toString(),
             t.value(QStringLiteral("event")).toString(),
             t.value(QStringLiteral("data")).toString());
    m_templates->setCurrentText(name);
    return true;
}

void Composer::removeTemplate(const QString &name)
{
    QSettings settings;
    QVariantMap templates = settings.value(TemplatesKey).toMap();
    templates.remove(name);
    settings.setValue(TemplatesKey, templates);
    refreshTemplateList();
}

QStringList Composer::templateNames() const
{
    return QSettings().value(TemplatesKey).toMap().keys();
}

void Composer::refreshTemplateList()
{
    const QString current = m_templates->currentText();
    m_templates->clear();
    m_templates->addItems(templateNames());
    const int index = m_templates->findText(current);
    m_templates->setCurrentIndex(index);
    m_removeTemplate->setEnabled(m_templates->count() > 0);
}

void Composer::onTemplateActivated(int index)
{
    if (index >= 0)
        loadTemplate(m_templates->itemText(index));
}

} // namespace Herald
