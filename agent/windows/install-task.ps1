<#
.SYNOPSIS
  Install the itops agent for Windows as a scheduled task (daily, and 15 minutes after boot).

.DESCRIPTION
  Copies itops-agent.ps1 and fields.json to C:\Program Files\itops-agent, stores the host's
  token in C:\ProgramData\itops\agent.token readable by SYSTEM and Administrators only, and
  registers the task "itops agent" running as SYSTEM with a random delay of up to an hour,
  so that a whole office does not report at the same second. Run as Administrator.

.EXAMPLE
  .\install-task.ps1 -Server https://itops.urzad.example -Token (Get-Content token.txt) -Service LanmanServer,Spooler
#>
[CmdletBinding()]
param(
  [Parameter(Mandatory)] [string]$Server,
  [Parameter(Mandatory)] [string]$Token,
  [string[]]$Service = @(),
  [string]$Target = "$env:ProgramFiles\itops-agent",
  [switch]$Uninstall
)
$ErrorActionPreference = 'Stop'
$TaskName = 'itops agent'
if ($Uninstall) {
  Unregister-ScheduledTask -TaskName $TaskName -Confirm:$false -ErrorAction SilentlyContinue
  Remove-Item -Recurse -Force $Target -ErrorAction SilentlyContinue
  exit 0
}
New-Item -ItemType Directory -Force $Target | Out-Null
Copy-Item (Join-Path $PSScriptRoot 'itops-agent.ps1'), (Join-Path $PSScriptRoot 'fields.json') $Target -Force
$tokenDir = "$env:ProgramData\itops"
New-Item -ItemType Directory -Force $tokenDir | Out-Null
$tokenFile = Join-Path $tokenDir 'agent.token'
Set-Content -Path $tokenFile -Value $Token.Trim() -Encoding ASCII -NoNewline
$acl = New-Object System.Security.AccessControl.DirectorySecurity
$acl.SetAccessRuleProtection($true, $false)
foreach ($who in 'NT AUTHORITY\SYSTEM', 'BUILTIN\Administrators') {
  $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($who, 'FullControl', 'ContainerInherit,ObjectInherit', 'None', 'Allow')))
}
Set-Acl -Path $tokenDir -AclObject $acl

$arguments = "-NoProfile -NonInteractive -ExecutionPolicy Bypass -File `"$Target\itops-agent.ps1`" -Server `"$Server`" -TokenFile `"$tokenFile`""
if ($Service.Count) { $arguments += ' -Service ' + ($Service -join ',') }
$action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument $arguments
$daily = New-ScheduledTaskTrigger -Daily -At 9am -RandomDelay (New-TimeSpan -Hours 1)
$boot = New-ScheduledTaskTrigger -AtStartup
$boot.Delay = 'PT15M'
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -ExecutionTimeLimit (New-TimeSpan -Minutes 10) -MultipleInstances IgnoreNew
$principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $daily, $boot -Settings $settings -Principal $principal -Force | Out-Null
Write-Output "itops agent installed: task '$TaskName' reports to $Server daily and after boot"
