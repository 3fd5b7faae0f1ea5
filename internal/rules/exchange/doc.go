// Package exchange holds the pure rules of requests for copies of
// documents and information between the customs bodies of the member
// states (EAEU Customs Code art. 371; the Customs Code of Kazakhstan on
// interaction with the customs bodies of other member states):
//
//   - the deadline: one month from the day the requested body registers
//     the request, ending on the same date of the next month or on its
//     last day when that date does not exist there (art. 371(6));
//   - the suspension while additional information is awaited: from the day
//     the ask is sent, keeping the days that were left, resuming with them
//     on the day the answer arrives (art. 371(8)(1), (9));
//   - the single extension by one month, when copies must be obtained from
//     other state bodies (art. 371(7), (8)(2));
//   - the two-month limit after which a refusal on ground (2) may be
//     issued (art. 371(10)(2));
//   - the completeness of a request: its form and every element of
//     art. 371(3)-(4), whose absence is refusal ground (1) (art. 371(10)(1)).
//
// Paragraphs are numbered as in art. 371 of the EAEU Customs Code, which
// the Customs Code of Kazakhstan repeats.
//
// Dates are calendar dates (midnight UTC) as package dates makes them; the
// caller turns instants into the requested state's local date.
package exchange
