package ui

import (
	"slices"
	"testing"

	"github.com/voorrang/voorrang/internal/redistest"
	"github.com/voorrang/voorrang/worklist"
	"github.com/voorrang/voorrang/worklist/redisstore"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		name, pattern, s string
		want             bool
	}{
		{"exact", "ctthab", "ctthab", true},
		{"exact differs", "ctthab", "ctthabx", false},
		{"contains", "*thorax*", "ct thorax-abdomen", true},
		{"contains at the start", "*thorax*", "thorax", true},
		{"contains, missing", "*thorax*", "ct abdomen", false},
		{"prefix", "ct*", "ct hersenen", true},
		{"prefix, missing", "ct*", "mr hersenen", false},
		{"suffix", "*pols", "x-pols", true},
		{"suffix, missing", "*pols", "x-pols rechts", false},
		{"two parts in order", "*ct*head*", "ct of the head", true},
		{"two parts out of order", "*ct*head*", "head ct", false},
		{"parts may not overlap", "*aba*aba*", "ababa", false},
		{"star matches nothing", "a*b", "ab", true},
		{"only a star", "*", "", true},
		{"empty pattern", "", "x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := globMatch(tt.pattern, tt.s); got != tt.want {
				t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
			}
		})
	}
}

// TestDefaultSections reads procedure names as Dutch and English RIS
// send them and checks the section a radiologist would put each in.
func TestDefaultSections(t *testing.T) {
	secs := sections(DefaultSections())
	tests := []struct {
		modality, code, text string
		want                 []string // every section, the first being the study's own
	}{
		// Dutch, as HiX and Epic sites send them.
		{"MR", "MRKNIER", "MR knie rechts", []string{"msk"}},
		{"US", "ECHONB", "Echo nieren en blaas", []string{"abdomen"}},
		{"US", "ECNIER", "Echo nieren", []string{"abdomen"}},
		{"CT", "CTHERS", "CT hersenen zonder contrast", []string{"neuro"}},
		{"MR", "MRHERS", "MR hersenen met en zonder contrast", []string{"neuro"}},
		{"MR", "MRLWK", "MR lumbale wervelkolom", []string{"neuro"}},
		{"CT", "CTCWK", "CT cervicale wervelkolom", []string{"neuro"}},
		{"MR", "MRI0042", "MRI LWK", []string{"neuro"}},
		{"CT", "CTAHALS", "CTA halsvaten en circle of Willis", []string{"neuro"}},
		{"CT", "CTROTS", "CT rotsbeenderen", []string{"neuro"}},
		{"MR", "MRHYPO", "MRI hypofyse", []string{"neuro"}},
		{"DX", "XTHORAX", "X-thorax", []string{"chest"}},
		{"DX", "XTHST", "Thoraxfoto staand", []string{"chest"}},
		{"CT", "CTTHOR", "CT thorax met contrast", []string{"chest"}},
		{"CT", "CTAPULM", "CT-angiografie longembolie", []string{"chest"}},
		{"CT", "CTCOR", "CT coronairen (calciumscore)", []string{"chest"}},
		{"MR", "MRHART", "MRI hart", []string{"chest"}},
		{"CT", "CTTHAB", "CT thorax-abdomen met contrast", []string{"chest", "abdomen"}},
		{"CT", "CTABD", "CT abdomen met contrast", []string{"abdomen"}},
		{"CT", "CTABB", "CT abdomen & bekken met contrast", []string{"abdomen"}},
		{"US", "ECHOBB", "Echo bovenbuik", []string{"abdomen"}},
		{"US", "ECABDN", "Echo bovenbuik & nieren", []string{"abdomen"}},
		{"DX", "XBOZ", "X-buikoverzicht", []string{"abdomen"}},
		{"MR", "MRPROS", "MRI prostaat", []string{"abdomen"}},
		{"MR", "MRBEK", "MRI bekken (rectumstadiering)", []string{"abdomen"}},
		{"MR", "MRLEV", "MRI lever met Primovist", []string{"abdomen"}},
		{"DX", "XBEKKEN", "X-bekken", []string{"msk"}},
		{"DX", "XPOLS", "X-pols links", []string{"msk"}},
		{"DX", "XENKEL", "X-enkel rechts", []string{"msk"}},
		{"DX", "XHEUP", "X-heup rechts", []string{"msk"}},
		{"DX", "XHANDL", "X-hand links (botleeftijd)", []string{"msk"}},
		{"US", "ECHOSCH", "Echo schouder links", []string{"msk"}},
		{"DX", "XELLB", "X-elleboog", []string{"msk"}},
		{"DX", "XKNIE", "X-knieën staand", []string{"msk"}},
		{"DX", "XVOET", "X-voet en enkel links", []string{"msk"}},
		{"CT", "CTPOLS", "CT pols (scafoïd)", []string{"msk"}},
		// English.
		{"CT", "CTHEAD", "CT head without contrast", []string{"neuro"}},
		{"MR", "MRBR", "MRI brain with and without contrast", []string{"neuro"}},
		{"MR", "MRLS", "MRI lumbar spine", []string{"neuro"}},
		{"DX", "CXR", "Chest X-ray PA and lateral", []string{"chest"}},
		{"CT", "CTPE", "CT pulmonary angiogram", []string{"chest"}},
		{"CT", "CTAP", "CT abdomen pelvis with contrast", []string{"abdomen"}},
		{"US", "USKID", "US kidneys", []string{"abdomen"}},
		{"US", "USRUQ", "US liver and gallbladder", []string{"abdomen"}},
		{"DX", "XRPELV", "XR pelvis AP", []string{"msk"}},
		{"MR", "MRKNL", "MRI knee left", []string{"msk"}},
		{"DX", "XRWR", "XR wrist 3 views", []string{"msk"}},
		{"MR", "MRSHR", "MRI shoulder right", []string{"msk"}},
		// Letters of a code say nothing: no word, no section.
		{"MR", "MRKNIER", "", nil},
		{"CT", "CTHEAD", "", nil},
		{"US", "ECHOSD", "Echo schildklier", nil},
		{"MG", "MAMMO", "Mammografie beiderzijds", nil},
		{"US", "USTHY", "US thyroid", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			st := &worklist.Study{Modality: tt.modality, ProcedureCode: tt.code, ProcedureText: tt.text}
			if got := SectionsOf(secs, st); !slices.Equal(got, tt.want) {
				t.Errorf("%s %s %q: sections %v, want %v", tt.modality, tt.code, tt.text, got, tt.want)
			}
			// The filter of each section shows exactly the studies in it.
			for _, name := range secs.names() {
				match, ok := secs.matcher(name)
				if !ok {
					t.Fatalf("no matcher for %q", name)
				}
				if got, want := match(st), slices.Contains(tt.want, name); got != want {
					t.Errorf("filter %s shows it: %v, want %v", name, got, want)
				}
			}
			// A study's section in the statistics is the first it is in.
			first := ""
			if len(tt.want) > 0 {
				first = tt.want[0]
			}
			if got := SectionOf(secs, st); got != first {
				t.Errorf("SectionOf = %q, want %q", got, first)
			}
		})
	}
	if got, want := secs.names(), []string{"neuro", "chest", "abdomen", "msk"}; !slices.Equal(got, want) {
		t.Errorf("names %v, want %v", got, want)
	}
	if _, ok := secs.matcher("cardiac"); ok {
		t.Error("a matcher for an unknown section")
	}
}

// TestConfiguredSectionMatch checks the parts a sections file may give:
// modalities, words, and patterns on the code or text.
func TestConfiguredSectionMatch(t *testing.T) {
	tests := []struct {
		name string
		sec  Section
		st   worklist.Study
		want bool
	}{
		{"modality only", Section{Modalities: []string{"mg"}}, worklist.Study{Modality: "MG", ProcedureText: "Mammografie"}, true},
		{"modality only, other", Section{Modalities: []string{"MG"}}, worklist.Study{Modality: "US", ProcedureText: "Echo mamma"}, false},
		{"word", Section{Words: []string{"mamma"}}, worklist.Study{Modality: "US", ProcedureText: "Echo mamma links"}, true},
		{"word is no substring", Section{Words: []string{"nier"}}, worklist.Study{Modality: "MR", ProcedureText: "MR knier"}, false},
		{"word with star", Section{Words: []string{"mamma*"}}, worklist.Study{ProcedureText: "Mammadiagnostiek"}, true},
		{"word and modality", Section{Modalities: []string{"CT"}, Words: []string{"head"}}, worklist.Study{Modality: "MR", ProcedureText: "MR head"}, false},
		{"code pattern", Section{Procedures: []string{"ct*"}}, worklist.Study{ProcedureCode: "CTHEAD"}, true},
		{"text pattern", Section{Procedures: []string{"*hersen*"}}, worklist.Study{ProcedureText: "CT hersenen"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tt.st
			if got := tt.sec.match(&st, procedureWords(st.ProcedureText)); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestConfiguredSections checks the worklist filters by the sections a
// Config gives, not the defaults.
func TestConfiguredSections(t *testing.T) {
	rdb := redistest.Client(t)
	clk := &clock{t: now}
	store := redisstore.New(rdb, redisstore.Options{Prefix: redistest.Prefix(t, rdb), Now: clk.Now})
	s := New(Config{Store: store, Now: clk.Now, Logger: discard(), Access: testAccess(), Sections: []Section{
		{Name: "ct", Modalities: []string{"CT"}},
		{Name: "wrist", Procedures: []string{"*pols*"}},
	}})
	seed(t, store)
	tests := []struct {
		query string
		want  []string
	}{
		{"section=ct", []string{"E26000201", "W26000101", "W26000103"}},
		{"section=wrist", []string{"E26000202"}},
		{"section=wrist&site=ZHWEST", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			var p page
			do(t, s, "GET", "/api/v1/worklist?"+tt.query, nil).wantOK(t, 200, &p)
			if got := p.accessions(); !slices.Equal(got, tt.want) {
				t.Errorf("studies %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("default sections are gone", func(t *testing.T) {
		e := do(t, s, "GET", "/api/v1/worklist?section=neuro", nil).wantError(t, 400, "invalid", "section")
		if want := `no section "neuro"; sections are ct, wrist`; e.Message != want {
			t.Errorf("message %q, want %q", e.Message, want)
		}
	})
}
