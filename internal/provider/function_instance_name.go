package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/function"

	"github.com/systemd-tf/terraform-provider-systemd/internal/systemd"
)

var _ function.Function = instanceNameFunction{}

// instanceNameFunction is provider::systemd::instance_name(template,
// string): the instance of a template for a string, as
// `systemd-escape --template=TEMPLATE STRING` gives it.
type instanceNameFunction struct{}

// NewInstanceNameFunction returns the instance_name function.
func NewInstanceNameFunction() function.Function { return instanceNameFunction{} }

func (instanceNameFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "instance_name"
}

func (instanceNameFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "The instance of a template unit for a string, as systemd-escape --template gives it",
		Description: "Returns the instance of template for string, exactly as `systemd-escape --template=TEMPLATE STRING` prints it: " +
			"instance_name(\"getty@.service\", \"tty1\") is \"getty@tty1.service\". The string is escaped as a string, not a path. " +
			"It refuses what systemd-escape refuses: a template that is not NAME@.TYPE, an empty string, and a name longer than 255 bytes.",
		MarkdownDescription: "Returns the instance of `template` for `string`, exactly as " +
			"`systemd-escape --template=TEMPLATE STRING` prints it:\n\n" +
			"```terraform\n" +
			"provider::systemd::instance_name(\"getty@.service\", \"tty1\")        # getty@tty1.service\n" +
			"provider::systemd::instance_name(\"wg-quick@.service\", \"wg0\")      # wg-quick@wg0.service\n" +
			"provider::systemd::instance_name(\"backup@.service\", \"db-1/daily\") # backup@db\\x2d1-daily.service\n" +
			"```\n\n" +
			"The string is escaped as a string, not as a path (`systemd-escape` without `--path`): nothing is simplified, " +
			"every `/` becomes `-` (a leading and a trailing one too), and `-`, `\\`, a leading `.` and every byte outside " +
			"`A-Z a-z 0-9 : _ .` become `\\xNN` (lowercase hex of each UTF-8 byte). Templates whose instance is a path, " +
			"such as `systemd-fsck@.service`, take the path escaped as a path (`systemd-escape --path --template`); build " +
			"those from `unit_name`: `\"systemd-fsck@${trimsuffix(provider::systemd::unit_name(path, \"service\"), \".service\")}.service\"`.\n\n" +
			"It fails, naming the argument, where systemd-escape refuses: a `template` that is not a template name " +
			"(`NAME@.TYPE`, with a unit type; an instance such as `getty@tty1.service` is refused with the template to give), " +
			"an empty `string`, and a resulting name longer than 255 bytes.\n\n" +
			"Needs Terraform 1.8 or OpenTofu 1.7 or later.",
		Parameters: []function.Parameter{
			function.StringParameter{
				Name:                "template",
				MarkdownDescription: "The template unit, `NAME@.TYPE`, e.g. `getty@.service`.",
			},
			function.StringParameter{
				Name:                "string",
				MarkdownDescription: "The instance, before escaping, e.g. `tty1`. Must not be empty.",
			},
		},
		Return: function.StringReturn{},
	}
}

func (instanceNameFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var template, instance string
	resp.Error = req.Arguments.Get(ctx, &template, &instance)
	if resp.Error != nil {
		return
	}
	name, err := systemd.InstanceName(template, instance)
	if err != nil {
		resp.Error = escapeFuncError(err, systemd.ArgTemplate, systemd.ArgString)
		return
	}
	resp.Error = resp.Result.Set(ctx, name)
}
