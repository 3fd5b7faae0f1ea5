package dates

import (
	"time"
	_ "time/tzdata" // the zones below must resolve on any machine
)

// zones are the time zones whose calendar date a member state's customs
// use (the capital's; KZ has used one zone, UTC+5, since 2024).
var zones = map[string]string{
	"AM": "Asia/Yerevan",
	"BY": "Europe/Minsk",
	"KG": "Asia/Bishkek",
	"KZ": "Asia/Almaty",
	"RU": "Europe/Moscow",
}

// Local returns the date (a UTC midnight) that instant t falls on in the
// member state; an unknown state gets the UTC date.
func Local(t time.Time, memberState string) time.Time {
	if name, ok := zones[memberState]; ok {
		if loc, err := time.LoadLocation(name); err == nil {
			y, m, d := t.In(loc).Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
	}
	return Of(t)
}
