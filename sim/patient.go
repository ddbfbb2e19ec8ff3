package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// A patient is a synthetic patient: a Dutch-looking name, an MRN of the
// site, a test BSN and a birth date. None of them belongs to anyone.
type patient struct {
	mrn       string
	bsn       string
	prefix    string // own surname prefix: "van den"
	surname   string // own surname: "Berg"
	given     string
	sex       string // M or F
	birth     time.Time
	street    string
	number    int
	zip       string
	phone     string
	phoneKind string // PH landline, CP mobile
}

// family returns the surname as written: "van den Berg".
func (p patient) family() string { return joinName(p.prefix, p.surname) }

func joinName(prefix, surname string) string {
	if prefix == "" {
		return surname
	}
	return prefix + " " + surname
}

// surnames are common Dutch surnames with their prefixes (tussenvoegsels).
var surnames = [][2]string{
	{"van den", "Berg"}, {"de", "Vries"}, {"", "Jansen"}, {"", "Bakker"}, {"ter", "Horst"}, {"van", "Dijk"},
	{"van der", "Meer"}, {"de", "Boer"}, {"", "Visser"}, {"", "Smit"}, {"", "Meijer"}, {"de", "Graaf"},
	{"van der", "Linden"}, {"", "Mulder"}, {"de", "Jong"}, {"van 't", "Hof"}, {"in 't", "Veld"}, {"ten", "Brink"},
	{"van de", "Ven"}, {"", "Hendriks"}, {"", "Dekker"}, {"", "Peters"}, {"van", "Beek"}, {"", "Kok"},
	{"den", "Hartog"}, {"van", "Rijn"}, {"", "Vermeulen"}, {"ter", "Haar"}, {"de", "Wit"}, {"van", "Leeuwen"},
	{"", "Bos"}, {"", "Willemsen"}, {"van", "Wijk"}, {"", "Smits"}, {"de", "Bruijn"}, {"van der", "Veen"},
	{"", "Kramer"}, {"van den", "Broek"}, {"", "Schouten"}, {"", "Koster"}, {"de", "Haan"}, {"van", "Vliet"},
}

// surnamesUTF8 are names that need more than ASCII; only the site that
// declares UTF-8 (ZHOOST, MSH-18) sends them.
var surnamesUTF8 = [][2]string{{"", "Çelik"}, {"", "Öztürk"}, {"", "Müller"}, {"", "Kılıç"}}

var givenNames = map[string][]string{
	"M": {"Jan", "Pieter", "Gerrit", "Hendrik", "Kees", "Joost", "Thomas", "Bram", "Lucas", "Daan", "Sem", "Willem",
		"Ruud", "Ahmed", "Mohamed", "Johannes", "Cornelis", "Sander", "Jeroen", "Mark", "Noah", "Finn"},
	"F": {"Anna", "Sophie", "Eva", "Lotte", "Sanne", "Ingrid", "Emma", "Julia", "Maria", "Fatima", "Anouk", "Femke",
		"Marieke", "Johanna", "Cornelia", "Lisa", "Tess", "Saar", "Ilse", "Esther", "Noor", "Mila"},
}

var givenNamesUTF8 = map[string][]string{"M": {"Jürgen", "Mehmet", "Ömer"}, "F": {"Ayşe", "Chloë", "Zoë"}}

// newPatient draws a patient aged between ages[0] and ages[1] at t.
func newPatient(r *rand.Rand, st *site, n int, ages [2]int, t time.Time) patient {
	var p patient
	p.sex = "M"
	if r.IntN(2) == 0 {
		p.sex = "F"
	}
	name := surnames[r.IntN(len(surnames))]
	given := givenNames[p.sex]
	if st.epic && r.IntN(12) == 0 { // the UTF-8 site now and then
		name = surnamesUTF8[r.IntN(len(surnamesUTF8))]
		given = givenNamesUTF8[p.sex]
	}
	p.prefix, p.surname = name[0], name[1]
	p.given = given[r.IntN(len(given))]
	p.mrn = fmt.Sprintf("%d%0*d", 3+r.IntN(6), st.mrnDigits-1, r.IntN(pow10(st.mrnDigits-1)))
	p.bsn = testBSN(n)
	age := ages[0] + r.IntN(ages[1]-ages[0]+1)
	p.birth = time.Date(t.Year()-age-1, time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, t.Location())
	p.street = st.streets[r.IntN(len(st.streets))]
	p.number = 1 + r.IntN(180)
	p.zip = fmt.Sprintf("%s%02d%c%c", st.zip, 10+r.IntN(90), 'A'+rune(r.IntN(20)), 'A'+rune(r.IntN(20)))
	if r.IntN(2) == 0 {
		p.phone, p.phoneKind = fmt.Sprintf("06%08d", r.IntN(100_000_000)), "CP"
	} else {
		p.phone, p.phoneKind = fmt.Sprintf("%s%07d", st.areaCode, r.IntN(10_000_000)), "PH"
	}
	return p
}

func pow10(n int) int {
	v := 1
	for range n {
		v *= 10
	}
	return v
}

// testBSN returns the n-th test BSN: nine digits starting 9999 that pass
// the 11-test (9·d1 + 8·d2 + ... + 2·d8 − d9 divisible by 11), as the
// corpus uses. Numbers whose check digit would be 10 are skipped.
func testBSN(n int) string {
	for i := 0; ; i++ {
		body := fmt.Sprintf("9999%04d", (n*7+i)%10000) // spread, so that neighbours differ in more than one digit
		sum := 0
		for j, c := range body {
			sum += (9 - j) * int(c-'0')
		}
		if check := sum % 11; check < 10 {
			return body + string(rune('0'+check))
		}
	}
}

// validBSN reports whether s passes the 11-test.
func validBSN(s string) bool {
	if len(s) != 9 || strings.Trim(s, "0123456789") != "" {
		return false
	}
	sum := 0
	for j := range 8 {
		sum += (9 - j) * int(s[j]-'0')
	}
	return (sum-int(s[8]-'0'))%11 == 0
}
