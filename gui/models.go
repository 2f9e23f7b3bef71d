package gui

import (
	"strconv"
	"strings"

	"fyne.io/fyne/v2/lang"
)

// modelInfo is a model the service is known to offer, with the name a
// person reads.
type modelInfo struct {
	ID   string // sent to the service
	Name string // shown
	// PromptLimit is the most characters the model takes in a prompt;
	// 0 where the service does not say (shared/API.md names none yet).
	PromptLimit int
}

// knownModels are offered in the compose pane; any other id can be typed.
var knownModels = []modelInfo{
	{ID: "wan2.1-t2v-turbo", Name: "Wan 2.1 Turbo"},
	{ID: "doubao-seedance-2", Name: "Seedance 2"},
	{ID: "doubao-seedance-2-mini", Name: "Seedance 2 Mini"},
	{ID: "doubao-seedance-2-0-fast-260128", Name: "Seedance 2.0 Fast"},
}

// defaultModel is preselected in the compose pane.
const defaultModel = "wan2.1-t2v-turbo"

// modelSeparator sits between a model's name and its id in a choice.
const modelSeparator = " — "

// modelChoice is how a model is offered: "Wan 2.1 Turbo — wan2.1-t2v-turbo",
// or the id alone for a model without a known name.
func modelChoice(id string) string {
	for _, m := range knownModels {
		if m.ID == id {
			return m.Name + modelSeparator + m.ID
		}
	}
	return id
}

// modelChoices are the choices of the model field.
func modelChoices() []string {
	out := make([]string, len(knownModels))
	for i, m := range knownModels {
		out[i] = modelChoice(m.ID)
	}
	return out
}

// modelID is the id to send for what the model field holds: a choice, a
// known name or, for anything else, the text as typed.
func modelID(text string) string {
	text = strings.TrimSpace(text)
	for _, m := range knownModels {
		if text == modelChoice(m.ID) || strings.EqualFold(text, m.Name) {
			return m.ID
		}
	}
	return text
}

// promptLimit is the most characters model id takes in a prompt, 0 when
// it is not known.
func promptLimit(id string) int {
	for _, m := range knownModels {
		if m.ID == id {
			return m.PromptLimit
		}
	}
	return 0
}

// modelName is the name a person reads for a model id.
func modelName(id string) string {
	for _, m := range knownModels {
		if m.ID == id {
			return m.Name
		}
	}
	return id
}

// modelHint is the line under the model field: what to do when there is
// no model, and that a typed id is sent as it is; "" for a model of the
// list (its id is said under Advanced, see modelIDNote).
func modelHint(text string) string {
	id := modelID(text)
	switch {
	case id == "":
		return lang.L("Pick a model, or type the id of another one.")
	case modelName(id) != id:
		return ""
	}
	return lang.L("A model of your own: sent as {{.ID}}, exactly as typed.", map[string]any{"ID": userText(id)})
}

// modelIDNote is the small line under Advanced naming the id the model is
// sent as; "" while there is none.
func modelIDNote(text string) string {
	id := modelID(text)
	if id == "" {
		return ""
	}
	return lang.L("Sent to the service as {{.ID}}.", map[string]any{"ID": userText(id)})
}

// choice is an option of a select: the words shown (a translation key;
// empty for a length, worded from its value) and the value sent.
type choice struct {
	Label string
	Value string
}

// text is the choice as a select shows it, in the user's language.
func (c choice) text() string {
	if c.Label == "" {
		n, _ := strconv.Atoi(c.Value)
		return lang.N("{{.Count}} seconds", n, map[string]any{"Count": n})
	}
	return lang.L(c.Label)
}

// automatic is the choice that leaves a setting to the model.
const automatic = "Model’s default"

var ratioChoices = []choice{
	{translateLater(automatic), ""},
	{translateLater("Landscape 16:9"), "16:9"},
	{translateLater("Portrait 9:16"), "9:16"},
	{translateLater("Square 1:1"), "1:1"},
	{translateLater("Landscape 4:3"), "4:3"},
	{translateLater("Portrait 3:4"), "3:4"},
	{translateLater("Cinema 21:9"), "21:9"},
}

var resolutionChoices = []choice{
	{translateLater(automatic), ""},
	{translateLater("Small (480p) — quickest"), "480p"},
	{translateLater("HD (720p)"), "720p"},
	{translateLater("Full HD (1080p)"), "1080p"},
}

// durationChoices are the lengths offered: most models take 4 to 15 s.
var durationChoices = func() []choice {
	out := []choice{{translateLater(automatic), ""}}
	for s := 4; s <= 15; s++ {
		out = append(out, choice{"", strconv.Itoa(s)})
	}
	return out
}()

// imageRoleChoices are the ways the service can use a reference image,
// each with the sentence that explains it.
var imageRoleChoices = []struct {
	choice
	Hint string
}{
	{choice{translateLater("First frame"), "first_frame"}, translateLater("First frame: the video starts from this picture.")},
	{choice{translateLater("Last frame"), "last_frame"}, translateLater("Last frame: the video ends on this picture.")},
	{choice{translateLater("Reference image"), "reference_image"},
		translateLater("Reference image: the video borrows the look of this picture — its subject, style or colours — without starting from it.")},
}

// labels lists the words of choices, for a select.
func labels(choices []choice) []string {
	out := make([]string, len(choices))
	for i, c := range choices {
		out[i] = c.text()
	}
	return out
}

// valueOf is the value of the choice labelled label ("" when none is).
func valueOf(choices []choice, label string) string {
	for _, c := range choices {
		if c.text() == label {
			return c.Value
		}
	}
	return ""
}

// labelOf is the label of the choice whose value is value, or the first
// (automatic) choice's when none is.
func labelOf(choices []choice, value string) string {
	for _, c := range choices {
		if c.Value == value {
			return c.text()
		}
	}
	return choices[0].text()
}

// nameOf is the label of the choice whose value is value, or value itself
// when no choice has it (a setting typed elsewhere or sent by an older
// Reelhouse).
func nameOf(choices []choice, value string) string {
	for _, c := range choices {
		if c.Value == value {
			return c.text()
		}
	}
	return value
}

// roleChoices are the image roles as plain choices.
func roleChoices() []choice {
	out := make([]choice, len(imageRoleChoices))
	for i, r := range imageRoleChoices {
		out[i] = r.choice
	}
	return out
}

// roleHint explains the role labelled label.
func roleHint(label string) string {
	for _, r := range imageRoleChoices {
		if r.text() == label {
			return lang.L(r.Hint)
		}
	}
	return ""
}

// maxVariations is how many videos one press of Generate may make.
const maxVariations = 4

// variationChoices are "1 video" … "4 videos".
func variationChoices() []string {
	out := make([]string, maxVariations)
	for i := range out {
		out[i] = lang.N("{{.Count}} videos", i+1, map[string]any{"Count": i + 1})
	}
	return out
}
