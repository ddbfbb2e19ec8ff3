package sim

// An algorithm is an AI algorithm of the AI platform, with the ids and
// finding codes of the built-in triage rules (triage/defaults.yaml).
type algorithm struct {
	id, name, version, vendor string
	code, display             string // the finding it looks for
	// locations of a positive finding, by the procedure's code at ZHWEST
	// ("" for any); "%s" stands for the side ("left", "right")
	locations map[string][]string
	// delay is how long after the exam the result comes, in minutes
	delay [2]int
}

var (
	aidocPE = &algorithm{id: "aidoc-pe", name: "Incidental PE", version: "2.1", vendor: "Aidoc",
		code: "PE", display: "Pulmonary embolism", delay: [2]int{3, 8},
		locations: map[string][]string{"": {"right lower lobe segmental artery", "left lower lobe subsegmental artery",
			"right main pulmonary artery", "left upper lobe segmental artery"}}}
	aidocICH = &algorithm{id: "aidoc-ich", name: "Intracranial hemorrhage", version: "5.3", vendor: "Aidoc",
		code: "ICH", display: "Intracranial hemorrhage", delay: [2]int{2, 6},
		locations: map[string][]string{"": {"left frontoparietal, subdural", "right basal ganglia, intraparenchymal",
			"interhemispheric, subarachnoid", "left temporal, epidural"}}}
	gleamerFX = &algorithm{id: "gleamer-fx", name: "BoneView Trauma", version: "2.4", vendor: "Gleamer",
		code: "FX", display: "Fracture", delay: [2]int{1, 4},
		locations: map[string][]string{
			"XPOLS":  {"%s distal radius", "%s scaphoid"},
			"XENKEL": {"%s lateral malleolus", "%s distal fibula"},
			"XHEUP":  {"%s femoral neck", "%s intertrochanteric"},
		}}
	gleamerBA = &algorithm{id: "gleamer-ba", name: "BoneView Bone Age", version: "1.4", vendor: "Gleamer",
		code: "BONEAGE", display: "Bone age", delay: [2]int{1, 4},
		locations: map[string][]string{"": {"left hand"}}}
	lunitCXR = &algorithm{id: "lunit-cxr", name: "Lunit INSIGHT CXR", version: "3.1", vendor: "Lunit",
		code: "NODULE", display: "Lung nodule", delay: [2]int{1, 4},
		locations: map[string][]string{"": {"right upper zone", "left lower zone", "right middle zone"}}}
)
