# reviewgate's AWS backend as a Terraform module: the HTTP API, one Lambda function
# per backend binary, the DynamoDB table, schedules, secrets, logs and alarms.
# docs/deployment.md shows how to call it; tests/integration/deploy_aws/ holds it to
# the code (functions, environment, table, routes).

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      version = ">= 5.40.0, < 7.0.0"
    }
  }
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}
