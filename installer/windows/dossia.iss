; Inno Setup script of Dossia's Windows installer: a per-user install, no administrator rights.
;
; Compiled by installer/build.py on Windows, after PyInstaller has frozen the bundle:
;   ISCC.exe /DAppVersion=X.Y.Z /DAppFileVersion=X.Y.Z.0 /DBundleDir=...\dossia
;            /DOutputDir=...\dist installer\windows\dossia.iss
; The version comes from pyproject.toml through build.py: it is written nowhere else.
;
; - Installs into {userpf}\Dossia (%LOCALAPPDATA%\Programs\Dossia): no UAC prompt. An IT
;   department may install for every user with /ALLUSERS (then into Program Files).
; - French wizard; a Start-menu shortcut; a desktop shortcut if the user ticks it.
; - Upgrades in place: the same AppId for every version, so version N+1 installs over N
;   (same folder, same shortcuts, one entry in «Applications installées»). The bundle's
;   _internal folder is emptied first, so no module of the old version lingers beside the new.
; - The data (database, documents, backups) live in %LOCALAPPDATA%\Dossia (platformdirs'
;   user_data_dir("Dossia", appauthor=False), see app/paths.py), never in {app}: neither an
;   upgrade nor the uninstaller touches them, and the uninstaller says where they are.
; This file is UTF-8 with a byte-order mark (Inno Setup reads non-ASCII text so).

#if VER < EncodeVer(6, 3, 0)
  #error Inno Setup 6.3 or later is needed (x64compatible, French.isl)
#endif
#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z (installer/build.py reads pyproject.toml)
#endif
#ifndef AppFileVersion
  #define AppFileVersion "0.0.0.0"
#endif
#ifndef BundleDir
  #define BundleDir AddBackslash(SourcePath) + "..\..\build\installer\pyinstaller\dossia"
#endif
#ifndef OutputDir
  #define OutputDir AddBackslash(SourcePath) + "..\..\dist"
#endif
#define AppName "Dossia"
#define AppExeName "dossiaw.exe"
#define DataFolder "{localappdata}\Dossia"

[Setup]
; Never change this GUID: it is how a new version recognises the installed one.
AppId={{92E4EFE5-3CD1-420C-ABCF-9AADFB28EDC2}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Dossia
AppComments=Le dossier client des courtiers en crédit immobilier, hors ligne
VersionInfoVersion={#AppFileVersion}
VersionInfoProductVersion={#AppFileVersion}
VersionInfoDescription=Installation de Dossia
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
DefaultDirName={autopf}\Dossia
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
WizardStyle=modern
; Relative to this script's folder (the compiler's source directory).
SetupIconFile=..\..\resources\icons\dossia.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
OutputDir={#OutputDir}
OutputBaseFilename=dossia-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
; A running Dossia is closed (Restart Manager) before its files are replaced.
CloseApplications=yes
RestartApplications=no
ShowLanguageDialog=no

[Languages]
Name: "french"; MessagesFile: "compiler:Languages\French.isl"

[CustomMessages]
DataKept=Vos données n'ont pas été supprimées : la base, les documents et les sauvegardes restent dans le dossier%n%n%1%n%nRéinstallez Dossia pour les retrouver. Si vous n'en avez plus besoin, supprimez ce dossier vous-même (gardez-en une sauvegarde).
DataKeptAllUsers=Les données de chaque utilisateur (base, documents, sauvegardes) n'ont pas été supprimées : elles restent dans son dossier AppData\Local\Dossia.
AppComment=Le dossier client des courtiers en crédit immobilier

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade replaces the bundle's libraries whole: nothing of version N stays beside N+1.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\dossia.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\{#AppExeName}"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#BundleDir}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "{cm:AppComment}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "{cm:AppComment}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; The program's folder only; never the data folder, which is the user's.
Type: filesandordirs; Name: "{app}\_internal"
Type: dirifempty; Name: "{app}"

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and not UninstallSilent() then
  begin
    if IsAdminInstallMode() then
      MsgBox(CustomMessage('DataKeptAllUsers'), mbInformation, MB_OK)
    else
      MsgBox(FmtMessage(CustomMessage('DataKept'), [ExpandConstant('{#DataFolder}')]), mbInformation, MB_OK);
  end;
end;
