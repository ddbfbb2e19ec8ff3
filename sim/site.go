package sim

// A site is one hospital of the simulated department, with the habits of
// its information system (see testdata/README.md).
type site struct {
	id, name   string
	sender     string // MSH-3 of orders and reports
	codeSystem string // OBR-4.3
	accLetter  string // first letter of its accession numbers
	epic       bool   // Epic-like: OMI^O23 v2.5.1 with TQ1 and IPC; else HiX-like ORM^O01 v2.4 with ZDS
	mrnDigits  int
	uidRoot    string // study instance UIDs
	city, zip  string
	areaCode   string
	streets    []string
	wards      map[string]string // department -> inpatient ward code
	doctors    map[string]doctor // department -> ordering physician
}

// A doctor is an ordering physician or a radiologist, as HL7 XCN.
type doctor struct {
	id       string // AGB code
	prefix   string // surname prefix: "de", "van"
	surname  string // own surname
	initials string
	title    string // "dr.", "drs."
}

// family returns the surname as written: "de Groot".
func (d doctor) family() string { return joinName(d.prefix, d.surname) }

// Departments that order imaging; their codes are PV1-3.1 and PV1-10.
const (
	deptED          = "SEH" // emergency department
	deptOncology    = "ONC"
	deptNeurology   = "NEU"
	deptInternal    = "INT"
	deptPaediatrics = "KIN"
	deptPulmonology = "LON"
	deptGastro      = "MDL"
	deptSurgery     = "CHI"
	deptOrthopaedic = "ORT"
	deptUrology     = "URO"
	deptGP          = "HA" // general practitioner referral
)

var sites = []*site{
	{
		id: "ZHWEST", name: "Ziekenhuis West", sender: "HIX", codeSystem: "HIX", accLetter: "W",
		mrnDigits: 7, uidRoot: "1.2.826.0.1.3680043.9.7133.1.",
		city: "Leiden", zip: "23", areaCode: "071",
		streets: []string{"Lindelaan", "Breestraat", "Haarlemmerweg", "Zijlsingel", "Vondellaan", "Rapenburg",
			"Morsweg", "Hooigracht", "Lammenschansweg", "Witte Singel", "Kaiserstraat", "Oude Rijn"},
		wards: map[string]string{deptInternal: "B3", deptSurgery: "C2", deptPulmonology: "B5", deptNeurology: "A4",
			deptOncology: "B4", deptOrthopaedic: "C3"},
		doctors: map[string]doctor{
			deptED:          {id: "01023456", prefix: "de", surname: "Groot", initials: "M.", title: "dr."},
			deptOncology:    {id: "01012345", surname: "Visser", initials: "H.", title: "dr."},
			deptNeurology:   {id: "01045678", prefix: "van", surname: "Rijn", initials: "C.", title: "dr."},
			deptInternal:    {id: "01034567", surname: "Smeets", initials: "R.", title: "dr."},
			deptPaediatrics: {id: "01056789", surname: "Kuipers", initials: "A.", title: "dr."},
			deptPulmonology: {id: "01067890", surname: "Brouwer", initials: "J.", title: "dr."},
			deptGastro:      {id: "01078901", surname: "Koster", initials: "E.", title: "dr."},
			deptSurgery:     {id: "01089012", prefix: "van", surname: "Vliet", initials: "T.", title: "dr."},
			deptOrthopaedic: {id: "01090123", surname: "Postma", initials: "F.", title: "dr."},
			deptUrology:     {id: "01001234", surname: "Hermans", initials: "B.", title: "dr."},
			deptGP:          {id: "01111111", surname: "Willems", initials: "D."},
		},
	},
	{
		id: "ZHOOST", name: "Ziekenhuis Oost", sender: "EPIC", codeSystem: "EAP", accLetter: "E", epic: true,
		mrnDigits: 8, uidRoot: "1.2.826.0.1.3680043.9.7133.2.",
		city: "Zoetermeer", zip: "27", areaCode: "079",
		streets: []string{"Dorpsstraat", "Meerzicht", "Amerikaweg", "Vlielandseweg", "Parkweg", "Europaweg",
			"Nathaliegang", "Stadhoudersring", "Leidsewallen", "Oosterheemplein"},
		wards: map[string]string{deptInternal: "C4", deptSurgery: "D2", deptPulmonology: "C5", deptNeurology: "D4",
			deptOncology: "C3", deptOrthopaedic: "D3"},
		doctors: map[string]doctor{
			deptED:          {id: "02011111", surname: "Hoekstra", initials: "T."},
			deptOncology:    {id: "02022222", prefix: "van der", surname: "Heijden", initials: "L.", title: "dr."},
			deptNeurology:   {id: "02044444", surname: "Verbeek", initials: "S.", title: "dr."},
			deptInternal:    {id: "02055555", surname: "Schouten", initials: "M.", title: "dr."},
			deptPaediatrics: {id: "02066666", surname: "Timmermans", initials: "I.", title: "dr."},
			deptPulmonology: {id: "02077777", prefix: "de", surname: "Lange", initials: "W.", title: "dr."},
			deptGastro:      {id: "02033333", surname: "Claassen", initials: "E.", title: "dr."},
			deptSurgery:     {id: "02088888", surname: "Jacobs", initials: "N.", title: "dr."},
			deptOrthopaedic: {id: "02099999", prefix: "van", surname: "Dam", initials: "G.", title: "dr."},
			deptUrology:     {id: "02010101", surname: "Maas", initials: "P.", title: "dr."},
			deptGP:          {id: "02121212", surname: "Bosman", initials: "K."},
		},
	},
}
