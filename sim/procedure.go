package sim

import "time"

// A Section is a part of the department that radiologists read for; the
// names are those of the panel's section filter.
type Section string

// The sections of the simulated department.
const (
	Neuro   Section = "neuro"
	Chest   Section = "chest"
	Abdomen Section = "abdomen"
	MSK     Section = "msk"
)

// A procedure is an imaging exam the department performs. The texts are
// Dutch, as the sites send them, and match the panel's section patterns.
type procedure struct {
	west, east string // procedure code at ZHWEST (HiX) and ZHOOST (Epic)
	text       string // "%s" stands for the side, when the exam has one
	modality   string
	section    Section
	exam       [2]time.Duration // how long the exam takes, shortest and longest
	read       [2]time.Duration // how long reading it takes
}

func minutes(lo, hi int) [2]time.Duration {
	return [2]time.Duration{time.Duration(lo) * time.Minute, time.Duration(hi) * time.Minute}
}

var (
	ctHead      = &procedure{"CTHERS", "IMG5001", "CT hersenen zonder contrast", "CT", Neuro, minutes(4, 8), minutes(5, 10)}
	mrBrain     = &procedure{"MRHERS", "IMG6010", "MR hersenen met en zonder contrast", "MR", Neuro, minutes(20, 35), minutes(10, 16)}
	mrSpine     = &procedure{"MRLWK", "IMG6120", "MR lumbale wervelkolom", "MR", Neuro, minutes(15, 25), minutes(7, 12)}
	ctSpine     = &procedure{"CTCWK", "IMG5030", "CT cervicale wervelkolom", "CT", Neuro, minutes(4, 8), minutes(5, 9)}
	xThorax     = &procedure{"XTHORAX", "IMG3001", "X-thorax", "DX", Chest, minutes(2, 5), minutes(2, 4)}
	ctThorax    = &procedure{"CTTHOR", "IMG5101", "CT thorax met contrast", "CT", Chest, minutes(5, 10), minutes(7, 12)}
	ctThoraxAbd = &procedure{"CTTHAB", "IMG5110", "CT thorax-abdomen met contrast", "CT", Chest, minutes(8, 14), minutes(10, 16)}
	ctaPulmonal = &procedure{"CTAPULM", "IMG5105", "CT-angiografie longembolie", "CT", Chest, minutes(5, 10), minutes(5, 9)}
	ctAbdomen   = &procedure{"CTABD", "IMG5220", "CT abdomen met contrast", "CT", Abdomen, minutes(6, 12), minutes(8, 14)}
	ctAbdPelvis = &procedure{"CTABB", "IMG5225", "CT abdomen & bekken met contrast", "CT", Abdomen, minutes(8, 14), minutes(9, 15)}
	usUpperAbd  = &procedure{"ECHOBB", "IMG7001", "Echo bovenbuik", "US", Abdomen, minutes(12, 20), minutes(3, 6)}
	usKidneys   = &procedure{"ECHONB", "IMG7010", "Echo nieren en blaas", "US", Abdomen, minutes(10, 18), minutes(3, 5)}
	xWrist      = &procedure{"XPOLS", "IMG3120", "X-pols %s", "DX", MSK, minutes(3, 6), minutes(2, 4)}
	xAnkle      = &procedure{"XENKEL", "IMG3130", "X-enkel %s", "DX", MSK, minutes(3, 6), minutes(2, 4)}
	xHip        = &procedure{"XHEUP", "IMG3140", "X-heup %s", "DX", MSK, minutes(3, 7), minutes(2, 5)}
	xHandAge    = &procedure{"XHANDL", "IMG3150", "X-hand links (botleeftijd)", "DX", MSK, minutes(2, 4), minutes(3, 6)}
	mrKnee      = &procedure{"MRKNIE", "IMG6210", "MR knie %s", "MR", MSK, minutes(20, 30), minutes(8, 14)}
	usShoulder  = &procedure{"ECHOSCH", "IMG7210", "Echo schouder %s", "US", MSK, minutes(10, 15), minutes(3, 6)}
)

// An orderKind is a kind of request the department gets: an exam, who
// orders it and how urgently, why, and which AI algorithm reads it.
type orderKind struct {
	proc      *procedure
	class     string  // PV1-2: E emergency, I inpatient, O outpatient
	dept      string  // ordering department
	priority  string  // priorities to draw from, one letter each: "AAS" is asap twice as often as stat
	weight    float64 // how often, relative to the other kinds
	ages      [2]int  // patient age range in years
	questions []string
	ai        *algorithm
	positive  float64 // chance that the algorithm finds something
}

var orderKinds = []*orderKind{
	{proc: ctHead, class: "E", dept: deptED, priority: "S", weight: 4, ages: [2]int{18, 95}, ai: aidocICH, positive: 0.15,
		questions: []string{"Val met hoofdletsel, gebruik DOAC", "Acute hemiparese rechts, afasie", "Plotse hevige hoofdpijn", "Verlaagd bewustzijn na val"}},
	{proc: ctHead, class: "I", dept: deptNeurology, priority: "AR", weight: 1, ages: [2]int{40, 90}, ai: aidocICH, positive: 0.06,
		questions: []string{"Toename hoofdpijn, nabloeding?", "Controle na bloeding"}},
	{proc: mrBrain, class: "O", dept: deptNeurology, priority: "R", weight: 2.5, ages: [2]int{18, 80},
		questions: []string{"Hoofdpijn en visusklachten, MS?", "Epilepsie, structurele afwijking?", "Geheugenklachten"}},
	{proc: mrSpine, class: "O", dept: deptOrthopaedic, priority: "R", weight: 2, ages: [2]int{25, 85},
		questions: []string{"Lage rugpijn met uitstraling links, HNP?", "Claudicatio spinalis?"}},
	{proc: ctSpine, class: "E", dept: deptED, priority: "S", weight: 0.8, ages: [2]int{18, 90},
		questions: []string{"Hoog energetisch trauma, nekpijn"}},
	{proc: xThorax, class: "O", dept: deptGP, priority: "R", weight: 3, ages: [2]int{18, 90}, ai: lunitCXR, positive: 0.1,
		questions: []string{"Aanhoudende hoest", "Kortademigheid, pneumonie?", "Gewichtsverlies, roker"}},
	{proc: xThorax, class: "I", dept: deptInternal, priority: "RRA", weight: 2.5, ages: [2]int{40, 95}, ai: lunitCXR, positive: 0.1,
		questions: []string{"Koorts, infiltraat?", "Controle lijnpositie", "Toename dyspneu, decompensatio cordis?"}},
	{proc: xThorax, class: "E", dept: deptED, priority: "A", weight: 1.5, ages: [2]int{18, 95}, ai: lunitCXR, positive: 0.08,
		questions: []string{"Thoracale pijn, pneumothorax?", "Koorts en hoesten"}},
	{proc: ctThorax, class: "O", dept: deptPulmonology, priority: "R", weight: 1.5, ages: [2]int{40, 85}, ai: aidocPE, positive: 0.05,
		questions: []string{"Follow-up longnodule", "Interstitiele longziekte, progressie?"}},
	{proc: ctThoraxAbd, class: "O", dept: deptOncology, priority: "R", weight: 3, ages: [2]int{35, 85}, ai: aidocPE, positive: 0.1,
		questions: []string{"Follow-up coloncarcinoom, herstadiering na chemotherapie", "Stadiering mammacarcinoom", "Respons-evaluatie immunotherapie"}},
	{proc: ctaPulmonal, class: "E", dept: deptED, priority: "S", weight: 1.2, ages: [2]int{20, 90}, ai: aidocPE, positive: 0.3,
		questions: []string{"Pijn op de borst en dyspneu, D-dimeer verhoogd", "Tachycardie na operatie, longembolie?"}},
	{proc: ctAbdomen, class: "O", dept: deptGastro, priority: "R", weight: 1.5, ages: [2]int{30, 85},
		questions: []string{"Gewichtsverlies, pancreaskopproces?", "Leverenzymstoornissen"}},
	{proc: ctAbdPelvis, class: "I", dept: deptSurgery, priority: "A", weight: 1.5, ages: [2]int{20, 90},
		questions: []string{"Buikpijn, koorts, abces?", "Naadlekkage na hemicolectomie?"}},
	{proc: ctAbdomen, class: "E", dept: deptED, priority: "S", weight: 1, ages: [2]int{18, 90},
		questions: []string{"Acute buik, perforatie?", "Appendicitis?"}},
	{proc: usUpperAbd, class: "O", dept: deptGP, priority: "R", weight: 2, ages: [2]int{18, 85},
		questions: []string{"Pijn rechtsboven, galstenen?", "Verhoogde leverwaarden"}},
	{proc: usUpperAbd, class: "I", dept: deptInternal, priority: "A", weight: 1, ages: [2]int{30, 90},
		questions: []string{"Icterus en koorts, cholangitis?"}},
	{proc: usKidneys, class: "O", dept: deptUrology, priority: "R", weight: 1, ages: [2]int{20, 85},
		questions: []string{"Hematurie", "Nierfunctieverlies, hydronefrose?"}},
	{proc: xWrist, class: "E", dept: deptED, priority: "AAS", weight: 2.5, ages: [2]int{6, 90}, ai: gleamerFX, positive: 0.4,
		questions: []string{"Val op uitgestrekte hand, drukpijn tabatiere, fractuur?", "Val van fiets, zwelling pols"}},
	{proc: xAnkle, class: "E", dept: deptED, priority: "A", weight: 2, ages: [2]int{10, 85}, ai: gleamerFX, positive: 0.35,
		questions: []string{"Inversietrauma, Ottawa positief", "Verstapt, kan niet belasten"}},
	{proc: xHip, class: "E", dept: deptED, priority: "S", weight: 1.2, ages: [2]int{65, 98}, ai: gleamerFX, positive: 0.5,
		questions: []string{"Val thuis, been verkort en exorotatie", "Heuppijn na val, kan niet lopen"}},
	{proc: xHandAge, class: "O", dept: deptPaediatrics, priority: "R", weight: 0.6, ages: [2]int{5, 15}, ai: gleamerBA, positive: 0.6,
		questions: []string{"Kleine lengte, botleeftijd bepalen", "Vroege puberteit"}},
	{proc: mrKnee, class: "O", dept: deptOrthopaedic, priority: "R", weight: 1.5, ages: [2]int{16, 70},
		questions: []string{"Slotklachten, meniscusletsel?", "Instabiliteit na sporttrauma, VKB?"}},
	{proc: usShoulder, class: "O", dept: deptOrthopaedic, priority: "R", weight: 1, ages: [2]int{30, 80},
		questions: []string{"Pijnlijke abductie, rotatorcuffruptuur?"}},
}

// kindOf returns the first order kind with the procedure and class.
func kindOf(p *procedure, class string) *orderKind {
	for _, k := range orderKinds {
		if k.proc == p && k.class == class {
			return k
		}
	}
	panic("sim: no order kind for " + p.text + " " + class)
}
