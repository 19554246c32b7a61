package systemd

// Layer is where a mask lives: persistent masks survive reboots, runtime
// masks are gone at the next boot.
type Layer int

const (
	Persistent Layer = iota
	Runtime
)

// LayerFor maps the resource's runtime flag to its layer.
func LayerFor(runtime bool) Layer {
	if runtime {
		return Runtime
	}
	return Persistent
}

// Other is the layer a mask of the other kind would occupy.
func (l Layer) Other() Layer {
	if l == Runtime {
		return Persistent
	}
	return Runtime
}

func (l Layer) String() string {
	if l == Runtime {
		return "runtime"
	}
	return "persistent"
}

// Layers lists every layer, in systemctl's order of precedence.
var Layers = []Layer{Persistent, Runtime}
