// Package reference holds the handlers of eaeu.reference.v1: the customs
// body directory, working-day calendars, exchange rates and e-commerce duty
// schedules. Legal computations live in internal/rules; storage in
// internal/store.
package reference
