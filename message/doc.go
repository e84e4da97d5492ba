// Package message owns the parsed model of one inbound email: who sent it,
// to whom, its threading identifiers, its readable text, its sanitised HTML
// and its attachments. It knows nothing of IMAP, SMTP or SQL; it turns raw
// RFC 5322 bytes into a Message and nothing more.
//
// Invariants of a parsed Message:
//   - every email address is lower-cased (display names are kept as written);
//   - every string is valid UTF-8, whatever charset the sender declared;
//   - message identifiers carry no angle brackets and are at most
//     MaxIDLength bytes long;
//   - HTML() is the HTML body sanitised with bluemonday's UGC policy.
//
// Attachments: an Outlook winmail.dat (application/ms-tnef) is unpacked
// into the files it carries (package tnef), and kept whole when it carries
// none; message/rfc822 parts are attachments named by their filename, else
// their subject; inline images keep their Content-ID so that cid: links
// resolve; Options.MaxAttachmentSize and MaxTotalSize bound what is kept.
//
// Charsets: every charset go-message and x/text know; undeclared 8-bit text
// is UTF-8 when valid, else Windows-1252; text declared UTF-8 that is not
// all valid keeps its valid sequences and reads the stray bytes as
// Windows-1252; text that fails its declared charset but is valid UTF-8, or
// valid in a related charset (EUC-JP or Shift_JIS labelled ISO-2022-JP,
// GBK labelled GB2312 …), is read as such, with a warning. Raw 8-bit
// header text (subjects, names, file names) that is not UTF-8 is read in
// the charset the message declares, else the one detectLegacy finds, else
// Windows-1252; Message.Header holds the converted UTF-8.
//
// How it fails: Parse is built for hostile and broken mail. It returns an
// error only when the input cannot be read as a message at all
// (ErrNotAMessage) or names no usable sender (ErrNoFrom); callers record
// those as a failed outcome, using the error text as the reason. Every other
// problem (unknown charset, bad base64, broken boundaries, truncated parts,
// limits reached) keeps whatever could be decoded and is reported in
// Message.Warnings. Parse never panics: a panic in a library is recovered and
// returned as an error wrapping ErrNotAMessage.
package message
