#pragma once

#include <QDateTime>
#include <QString>

namespace Herald {

// Expands the {{variables}} of composer templates. Pure and thread-safe: the rate publisher
// calls it on the server thread for every event it makes.
class TemplateExpander
{
public:
    struct Context
    {
        quint64 counter = 0; // events this console has published, this one included
        quint64 index = 0; // position in the current batch or rate run, from 0
        QDateTime now; // taken once per event
        QString topic;
    };

    // Replaces every known {{name}} (spaces inside the braces allowed); unknown names are kept
    // as written, so a typo shows on the wire instead of vanishing.
    static QString expand(const QString &text, const Context &context);
    // Whether text uses any variable at all (then each event must be expanded on its own).
    static bool hasVariables(const QString &text);
    // The variables and what they become, for tooltips.
    static QString help();
};

} // namespace Herald
