// A real CAS server for the tests: Debian's python3-django-cas-server (apt-get install
// python3-django-cas-server), run with Django's development server on 127.0.0.1 from a settings
// module generated here in a temp dir. Its user store is a small AuthUser class of ours (users,
// passwords and attributes given by the test); everything else — login form, login tickets,
// service tickets, /serviceValidate, single use of tickets — is django-cas-server's own.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { reservedPort } from "./ports";

const PYTHON = "/usr/bin/python3";

export interface CasTestUser {
  password: string;
  attributes: Record<string, string | string[]>;
}

export interface RunningCasServer {
  /** The CAS server URL (cas_config.server_url). */
  url: string;
  /** Signs in at the CAS login page from our redirect's Location; returns where CAS sends the browser back (with ticket). */
  signIn(loginUrl: string, username: string, password: string): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

export function casServerAvailable(): boolean {
  try {
    execFileSync(PYTHON, ["-c", "import cas_server, django"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function settingsModule(dir: string): string {
  return `
import os
BASE_DIR = ${JSON.stringify(dir)}
SECRET_KEY = "test-only-secret-key-for-the-cas-server-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "cas_server",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "cas_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(BASE_DIR, "cas.sqlite3")}}
USE_TZ = True
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
CAS_AUTH_CLASS = "cas_test_auth.JsonAuthUser"
CAS_NEW_VERSION_HTML_WARNING = False
CAS_NEW_VERSION_EMAIL_WARNING = False
CAS_SHOW_POWERED = False
`;
}

const URLS_MODULE = `
from django.urls import include, path
urlpatterns = [path("cas/", include(("cas_server.urls", "cas_server"), namespace="cas_server"))]
`;

const AUTH_MODULE = `
import json, os
from cas_server.auth import AuthUser
with open(os.path.join(os.path.dirname(__file__), "users.json")) as f:
    USERS = json.load(f)

class JsonAuthUser(AuthUser):
    def test_password(self, password):
        user = USERS.get(self.username)
        return user is not None and user["password"] == password

    def attributs(self):
        user = USERS.get(self.username)
        return dict(user["attributes"]) if user else {}
`;

const SETUP_SCRIPT = (servicePattern: string) => `
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from cas_server.models import ServicePattern, ReplaceAttributName
pattern = ServicePattern.objects.create(pos=1, name="homeserver", pattern=${JSON.stringify(servicePattern)})
ReplaceAttributName.objects.create(name="*", service_pattern=pattern)
`;

function hiddenInputs(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*>/g)) {
    const tag = match[0];
    const name = /name="([^"]*)"/.exec(tag)?.[1];
    const value = /value="([^"]*)"/.exec(tag)?.[1] ?? "";
    if (name) fields[name] = value.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#x27;/g, "'");
  }
  return fields;
}

export async function startCasServer(options: { users: Record<string, CasTestUser>; servicePattern: string }): Promise<RunningCasServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cas-server-"));
  writeFileSync(path.join(dir, "cas_test_settings.py"), settingsModule(dir));
  writeFileSync(path.join(dir, "cas_urls.py"), URLS_MODULE);
  writeFileSync(path.join(dir, "cas_test_auth.py"), AUTH_MODULE);
  writeFileSync(path.join(dir, "users.json"), JSON.stringify(options.users));
  writeFileSync(path.join(dir, "setup_cas.py"), SETUP_SCRIPT(options.servicePattern));
  const env = { ...process.env, PYTHONPATH: dir, DJANGO_SETTINGS_MODULE: "cas_test_settings", PYTHONDONTWRITEBYTECODE: "1" };
  execFileSync(PYTHON, [path.join(dir, "setup_cas.py")], { env, cwd: dir, stdio: "pipe" });

  const port = await reservedPort();
  let log = "";
  const child: ChildProcess = spawn(PYTHON, ["-m", "django", "runserver", `127.0.0.1:${port}`, "--noreload", "--nothreading"], {
    env,
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => (log += chunk));
  child.stderr?.on("data", (chunk) => (log += chunk));
  const url = `http://127.0.0.1:${port}/cas`;

  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`CAS server exited:\n${log}`);
    try {
      const response = await fetch(`${url}/login`);
      if (response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`CAS server did not start:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  async function signIn(loginUrl: string, username: string, password: string): Promise<string> {
    const page = await fetch(loginUrl, { redirect: "manual" });
    const cookies = page.headers.getSetCookie().map((value) => value.split(";")[0]).join("; ");
    const fields = hiddenInputs(await page.text());
    const body = new URLSearchParams({ ...fields, username, password });
    const submitted = await fetch(loginUrl, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: cookies, Referer: loginUrl },
      body: body.toString(),
    });
    const location = submitted.headers.get("location");
    if (submitted.status !== 302 || !location) throw new Error(`CAS login failed (${submitted.status}): ${(await submitted.text()).slice(0, 500)}`);
    return location;
  }

  return { url, signIn, output: () => log, stop };
}
