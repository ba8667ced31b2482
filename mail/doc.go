// Package mail is kpbot's outgoing e-mail port: a Message, the Mailer that
// delivers it, a Mailer that writes to a log (the default, so the quick
// start needs no mail server) and the templates account e-mails are
// rendered from. The SMTP adapter is in mail/smtpmail; durable delivery
// through River is in mail/mailjob.
package mail
