package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

var _ function.Function = unitNameFunction{}

// unitNameFunction is provider::systemd::unit_name(path, suffix): the name
// of the mount, automount or swap unit for a path, as
// `systemd-escape --path --suffix=SUFFIX PATH` gives it.
type unitNameFunction struct{}

// NewUnitNameFunction returns the unit_name function.
func NewUnitNameFunction() function.Function { return unitNameFunction{} }

func (unitNameFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "unit_name"
}

func (unitNameFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "The unit name for a path, as systemd-escape --path --suffix gives it",
		Description: "Returns the name of the unit of type suffix for path, exactly as `systemd-escape --path --suffix=SUFFIX PATH` " +
			"prints it: unit_name(\"/var/lib/my-data\", \"mount\") is \"var-lib-my\\x2ddata.mount\" and unit_name(\"/\", \"mount\") is \"-.mount\". " +
			"It refuses what systemd-escape refuses (a suffix that is not a unit type, a path that is not normalized) and a name longer than 255 bytes.",
		MarkdownDescription: "Returns the name of the unit of type `suffix` for `path`, exactly as " +
			"`systemd-escape --path --suffix=SUFFIX PATH` prints it, so that mount, automount and swap units need not be " +
			"spelled by hand:\n\n" +
			"```terraform\n" +
			"provider::systemd::unit_name(\"/var/lib/my-data\", \"mount\") # var-lib-my\\x2ddata.mount\n" +
			"provider::systemd::unit_name(\"/\", \"mount\")                # -.mount\n" +
			"provider::systemd::unit_name(\"/home\", \"automount\")        # home.automount\n" +
			"provider::systemd::unit_name(\"/swapfile\", \"swap\")         # swapfile.swap\n" +
			"```\n\n" +
			"The path is simplified first: repeated and trailing slashes and `.` components are dropped, and so is a `..` " +
			"right after the root. The leading `/` goes, every other `/` becomes `-`, and `-`, `\\`, a leading `.` and every byte " +
			"outside `A-Z a-z 0-9 : _ .` become `\\xNN` (lowercase hex of each UTF-8 byte). " +
			"Like systemd-escape, it escapes a relative path too (`a/b` gives `a-b`), and the empty string as `/`. " +
			"Terraform and OpenTofu hold strings in Unicode NFC, so a name written decomposed (`e` and U+0301, as macOS " +
			"stores file names) reaches the function composed and escapes as `\\xc3\\xa9`.\n\n" +
			"It fails, naming the argument, where systemd-escape refuses: a `suffix` that is not a unit type (" +
			"`" + strings.Join(systemd.UnitTypes, "`, `") + "`, without a dot), and a `path` that is not normalized once " +
			"simplified (a `..` component anywhere but right after the root, a component longer than 255 bytes, `.` alone, " +
			"4096 bytes or more). It also fails where systemd-escape prints a name longer than 255 bytes, which no unit can " +
			"have. Refusals follow systemd-escape of systemd 255 and later: systemd before 255 also refuses a leading " +
			"`/..`, and before 249 any `.` component.\n\n" +
			"Needs Terraform 1.8 or OpenTofu 1.7 or later.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "path",
				MarkdownDescription: "The path the unit is for: a mount point (`mount`, `automount`) or a swap device or file (`swap`), e.g. `/var/lib/my-data`.",
			},
			function.StringParameter{
				Name:                "suffix",
				MarkdownDescription: "The unit type, without a dot: `mount`, `automount` or `swap` for a path's own units, or any other unit type (`" + strings.Join(systemd.UnitTypes, "`, `") + "`).",
			},
		},
		Return: function.StringReturn{},
	}
}

func (unitNameFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var unitPath, suffix string
	resp.Error = req.Arguments.Get(ctx, &unitPath, &suffix)
	if resp.Error != nil {
		return
	}
	name, err := systemd.EscapePath(unitPath, suffix)
	if err != nil {
		resp.Error = escapeFuncError(err, systemd.ArgPath, systemd.ArgSuffix)
		return
	}
	resp.Error = resp.Result.Set(ctx, name)
}
