<#
.SYNOPSIS
  itops agent for Windows without Python: collect this computer and POST the report.

.DESCRIPTION
  1. Collects the raw objects (Get-CimInstance, Get-MpComputerStatus, the Windows Update
     Agent's COM API - the source Get-WindowsUpdate uses -, Get-Service, the uninstall
     registry keys) into one hashtable keyed like the recorded samples in tests/agent.
  2. Shapes them into the itops report with the table in fields.json (next to this file),
     the same table the tests replay on recorded samples.
  3. POSTs the JSON to <Server>/api/v1/agent/report with the host's token.
  -DumpRaw writes step 1's objects as JSON (to record a sample); -Print writes the report.
  Windows PowerShell 5.1 or PowerShell 7; no modules beyond the built-in ones.

.EXAMPLE
  powershell -NoProfile -ExecutionPolicy Bypass -File itops-agent.ps1 `
    -Server https://itops.urzad.example -TokenFile C:\ProgramData\itops\agent.token `
    -Service LanmanServer,Spooler
#>
[CmdletBinding()]
param(
  [string]$Server,
  [string]$TokenFile = "$env:ProgramData\itops\agent.token",
  [string[]]$Service = @(),
  [switch]$NoSoftware,
  [switch]$Print,
  [switch]$DumpRaw,
  [string]$Fields = (Join-Path $PSScriptRoot 'fields.json')
)
$ErrorActionPreference = 'Stop'
$AgentVersion = '0.1.0'

function Get-Raw {
  $raw = @{}
  $cim = @{
    os = 'Win32_OperatingSystem'; computer = 'Win32_ComputerSystem'; bios = 'Win32_BIOS'
    product = 'Win32_ComputerSystemProduct'; enclosure = 'Win32_SystemEnclosure'
    processor = 'Win32_Processor'; pagefile = 'Win32_PageFileUsage'
  }
  foreach ($key in $cim.Keys) {
    try { $raw[$key] = Get-CimInstance $cim[$key] | Select-Object -First 1 -Property * -ExcludeProperty Cim* }
    catch { $raw[$key] = $null }
  }
  $raw.logical_disks = @(Get-CimInstance Win32_LogicalDisk | Select-Object DeviceID, VolumeName, FileSystem, Size, FreeSpace, DriveType)
  $raw.disk_drives = @(Get-CimInstance Win32_DiskDrive | Select-Object DeviceID, Model, SerialNumber, Size)
  $raw.adapters = @(Get-CimInstance Win32_NetworkAdapter -Filter 'PhysicalAdapter=TRUE' | Where-Object MACAddress | Select-Object NetConnectionID, MACAddress)
  try {
    $raw.defender = Get-MpComputerStatus | Select-Object AMServiceEnabled, AntivirusEnabled, RealTimeProtectionEnabled, AntispywareEnabled, AntivirusSignatureLastUpdated, AntivirusSignatureVersion, AMProductVersion, AMEngineVersion, QuickScanEndTime, FullScanEndTime, IsTamperProtected
  } catch { $raw.defender = $null }
  $wu = @{ Updates = $null; RebootRequired = $null; LastInstallationSuccessDate = $null }
  try {
    $searcher = (New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher()
    $found = $searcher.Search("IsInstalled=0 and IsHidden=0 and Type='Software'")
    $wu.Updates = @($found.Updates | ForEach-Object {
      @{ Title = $_.Title; MsrcSeverity = $_.MsrcSeverity; Categories = @($_.Categories | ForEach-Object { $_.Name }) } })
  } catch { }
  try { $wu.RebootRequired = (New-Object -ComObject Microsoft.Update.SystemInfo).RebootRequired } catch { }
  try { $wu.LastInstallationSuccessDate = (New-Object -ComObject Microsoft.Update.AutoUpdate).Results.LastInstallationSuccessDate } catch { }
  $raw.wu = $wu
  $raw.services = @(foreach ($name in $Service) {
    $s = Get-Service -Name $name -ErrorAction SilentlyContinue
    if ($s) { @{ Name = $name; Status = [string]$s.Status; StartType = [string]$s.StartType } }
    else { @{ Name = $name; Status = 'Missing'; StartType = '' } }
  })
  $raw.software = $null
  if (-not $NoSoftware) {
    $keys = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*',
            'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*',
            'HKCU:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*'
    $raw.software = @(Get-ItemProperty $keys -ErrorAction SilentlyContinue |
      Select-Object DisplayName, DisplayVersion, Publisher, SystemComponent, ParentKeyName, ReleaseType)
  }
  $raw.hostname = $env:COMPUTERNAME
  $raw.collected_at = (Get-Date).ToUniversalTime().ToString('o')
  return $raw
}

function Convert-Value($value, [string]$how, $table) {
  if ($null -eq $value -or "$value" -eq '') {
    if ($how -in 'string', 'id', 'id_lower', 'caption') { return '' } else { return $null }
  }
  switch ($how) {
    'string'   { return ([string]$value).Trim() }
    'int'      { return [int64]$value }
    'kib'      { return [int64]$value * 1024 }
    'mib'      { return [int64]$value * 1048576 }
    'bool'     { return [bool]$value }
    'date'     {
      if ("$value" -match '^/Date\((-?\d+)\)/$') { return [DateTimeOffset]::FromUnixTimeMilliseconds([int64]$Matches[1]).UtcDateTime.ToString('o') }
      return ([datetime]$value).ToUniversalTime().ToString('o')
    }
    'id'       { $v = ([string]$value).Trim(); if ($table.placeholder_ids -contains $v.ToLower()) { return '' } return $v }
    'id_lower' { $v = ([string]$value).Trim().ToLower(); if ($table.placeholder_ids -contains $v) { return '' } return $v }
    'first_int' { return [int](@($value)[0]) }
    'mac'      { return ([string]$value).Replace('-', ':').ToLower() }
    'caption'  { return ([string]$value).Replace('Microsoft ', '').Trim() }
    'service_state' { $s = $table.service_states."$value"; if ($s) { return $s } if ("$value" -eq 'Missing') { return 'missing' } return 'unknown' }
    'automatic' { return "$value" -like 'Automatic*' }
  }
  throw "unknown converter $how"
}

function Set-Path([hashtable]$doc, [string]$path, $value) {
  $parts = $path.Split('.')
  $node = $doc
  foreach ($p in $parts[0..($parts.Length - 2)]) {
    if ($parts.Length -eq 1) { break }
    if (-not $node.ContainsKey($p)) { $node[$p] = @{} }
    $node = $node[$p]
  }
  $node[$parts[-1]] = $value
}

function ConvertTo-Report($raw, $table) {
  $doc = @{ schema_version = 1; agent_version = $AgentVersion; hostname = $raw.hostname
            collected_at = $raw.collected_at; os = @{ system = 'Windows'; name = 'Windows' } }
  foreach ($row in $table.fields) {
    $obj = $raw[$row[1]]
    if ($null -eq $obj) { continue }
    Set-Path $doc $row[0] (Convert-Value $obj.($row[2]) $row[3] $table)
  }
  if ($null -eq $raw.defender) { $doc.Remove('antivirus') } else { $doc.antivirus.product = 'Microsoft Defender' }
  foreach ($name in $table.lists.PSObject.Properties.Name) {
    $spec = $table.lists.$name
    $doc[$name] = @(foreach ($obj in @($raw[$spec.source])) {
      if ($null -eq $obj) { continue }
      if ($spec.where -and "$($obj.($spec.where[0]))" -ne "$($spec.where[1])") { continue }
      $item = @{}
      foreach ($f in $spec.fields) { $item[$f[0]] = Convert-Value $obj.($f[1]) $f[2] $table }
      $item
    })
  }
  $updates = $raw.wu.Updates
  if ($null -ne $updates) {
    $doc.updates.pending = @($updates).Count
    $doc.updates.security = @($updates | Where-Object { $_.Categories -contains $table.security_category -or $_.MsrcSeverity }).Count
    $doc.os.pending_updates = $doc.updates.pending
  }
  $doc.os.last_update = $doc.updates.last_success
  if ($doc.boot_time) { $doc.uptime_seconds = [math]::Round(([datetime]$doc.collected_at - [datetime]$doc.boot_time).TotalSeconds, 1) }
  if ($null -ne $raw.software) {
    $doc.software = @($raw.software | Where-Object {
        $_.DisplayName -and "$($_.SystemComponent)" -ne '1' -and -not $_.ParentKeyName -and
        $_.DisplayName -notmatch $table.software_hidden -and $_.ReleaseType -notin 'Update', 'Hotfix', 'Security Update' } |
      ForEach-Object { @{ name = "$($_.DisplayName)".Trim(); version = "$($_.DisplayVersion)".Trim(); publisher = "$($_.Publisher)".Trim() } } |
      Sort-Object { $_.name.ToLower() }, { $_.version } -Unique)
  }
  return $doc
}

$table = Get-Content -Raw -Encoding UTF8 $Fields | ConvertFrom-Json
$raw = Get-Raw
if ($DumpRaw) { $raw | ConvertTo-Json -Depth 6; exit 0 }
$report = ConvertTo-Report $raw $table
$json = $report | ConvertTo-Json -Depth 6 -Compress
if ($Print) { $json; exit 0 }
if (-not $Server) { Write-Error 'itops-agent: -Server is required'; exit 2 }
$token = (Get-Content -Raw $TokenFile).Trim()
$body = [System.Text.Encoding]::UTF8.GetBytes($json)
try {
  $answer = Invoke-RestMethod -Method Post -Uri ($Server.TrimEnd('/') + '/api/v1/agent/report') `
    -ContentType 'application/json; charset=utf-8' -Headers @{ Authorization = "Bearer $token" } -Body $body
  Write-Output "$($report.hostname): reported (asset #$($answer.asset_id))"
} catch {
  Write-Error "itops-agent: the server refused or could not be reached: $_"
  exit 1
}
