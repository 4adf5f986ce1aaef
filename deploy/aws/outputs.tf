output "api_url" {
  description = "The backend's base URL: the REST API under /api, the health check at /healthz."
  value       = aws_apigatewayv2_stage.default.invoke_url
}

output "edge_backend_url" {
  description = "Where the edge Worker forwards events: its BACKEND_URL in wrangler.toml."
  value       = "${trimsuffix(aws_apigatewayv2_stage.default.invoke_url, "/")}/internal/events"
}

output "webhook_urls" {
  description = "The URL to register with each provider whose webhooks come straight to the backend (var.webhook_sources)."
  value       = { for source in var.webhook_sources : source => "${trimsuffix(aws_apigatewayv2_stage.default.invoke_url, "/")}/webhooks/${source}" }
}

output "table_name" {
  description = "The DynamoDB table (REVIEWGATE_TABLE for reviewgate-backend-admin)."
  value       = aws_dynamodb_table.reviews.name
}

output "secret_arns" {
  description = "The secrets to fill once, by the variable each stands for (docs/deployment.md)."
  value       = { for name, secret in aws_secretsmanager_secret.reviewgate : name => secret.arn }
}

output "function_names" {
  description = "The Lambda functions, by role."
  value       = local.function_names
}

output "alarm_topic_arn" {
  description = "The SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "kms_key_arn" {
  description = "The key the module encrypts with (var.kms_key_arn, or the one it created)."
  value       = local.kms_key_arn
}

output "dead_letter_queue_urls" {
  description = "Where failed scheduled invocations and failed stream batches are kept."
  value = {
    dead_letters    = aws_sqs_queue.dead_letters.url
    stream_failures = aws_sqs_queue.stream_failures.url
  }
}
