//! A throwaway PostgreSQL cluster for the rollup sink's tests and benchmark: Debian's
//! server binaries, a temp data dir, TCP on 127.0.0.1 (free port) with TLS on, the unix
//! socket inside the temp dir, stopped on drop.
//!
//! `initdb` refuses to run as root, so as root the temp dir is handed to the `postgres`
//! user and every server command runs through `runuser -u postgres --`.
//! Self-contained (std and tempfile only) so `benches/rollup_postgres.rs` can include it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The owner role (cluster superuser) and its password.
pub const OWNER: &str = "tally_owner";
const OWNER_PASSWORD: &str = "owner-test-password";

pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_postgres: bool,
    pub port: u16,
}

/// Where Debian keeps the server binaries: the newest /usr/lib/postgresql/<v>/bin.
fn find_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("pg_ctl").is_file()).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("a bound socket has an address").port()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

impl Cluster {
    /// Starts a cluster with a `tally` database owned by [`OWNER`], or returns `None`
    /// (after saying so on stderr) when the server binaries are missing outside CI.
    /// With `CI` set a missing server is a failure: run `scripts/test.sh`, which
    /// installs it (`ensure_postgres_test_packages`).
    pub fn start(durable: bool) -> Option<Cluster> {
        let Some(bin) = find_bin() else {
            if std::env::var_os("CI").is_some() {
                panic!("PostgreSQL server binaries are missing under /usr/lib/postgresql/*/bin; install `postgresql` (scripts/test.sh does)");
            }
            eprintln!("SKIPPED: PostgreSQL server binaries are missing (apt-get install postgresql postgresql-contrib); the PostgreSQL sink is NOT tested");
            return None;
        };
        let as_postgres = is_root();
        let dir = tempfile::Builder::new().prefix("tally-pg-").tempdir().expect("create a temp dir");
        let cluster = Cluster { dir, bin, as_postgres, port: free_port() };
        if as_postgres {
            let status = Command::new("chown").arg("postgres:").arg(cluster.dir.path()).status();
            assert!(status.is_ok_and(|s| s.success()), "chown the cluster dir to the postgres user");
        }
        let pwfile = cluster.dir.path().join("pwfile");
        std::fs::write(&pwfile, OWNER_PASSWORD).expect("write the owner's password file");
        if as_postgres {
            cluster.run("chown", &["postgres:".as_ref(), pwfile.as_os_str()], false);
        }
        let data = cluster.data();
        cluster.run_pg(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-U".as_ref(),
                OWNER.as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--auth-local=trust".as_ref(),
                "--auth-host=scram-sha-256".as_ref(),
                format!("--pwfile={}", pwfile.display()).as_ref(),
            ],
        );
        // A self-signed certificate for the TLS test (sslmode=require checks no CA).
        cluster.run_as_owner(
            "openssl",
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-keyout",
                &data.join("server.key").to_string_lossy(),
                "-out",
                &data.join("server.crt").to_string_lossy(),
            ],
        );
        // The server refuses a key file others can read.
        cluster.run_as_owner("chmod", &["600", &data.join("server.key").to_string_lossy()]);
        let mut options = format!(
            "-c listen_addresses=127.0.0.1 -c port={} -c unix_socket_directories={} -c ssl=on \
             -c ssl_cert_file=server.crt -c ssl_key_file=server.key -c max_connections=60",
            cluster.port,
            cluster.dir.path().display()
        );
        if !durable {
            // Tests do not need crash safety; the benchmark keeps the defaults.
            options.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let log = cluster.dir.path().join("server.log");
        cluster.run_pg(
            "pg_ctl",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-w".as_ref(),
                "-o".as_ref(),
                options.as_ref(),
                "start".as_ref(),
            ],
        );
        cluster.psql("postgres", "CREATE DATABASE tally");
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Runs `program` as the cluster's owner (the postgres user when we are root).
    fn run_as_owner(&self, program: &str, args: &[&str]) {
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
        self.run(program, &args, self.as_postgres);
    }

    fn run_pg(&self, tool: &str, args: &[&std::ffi::OsStr]) {
        let program = self.bin.join(tool);
        self.run(&program.to_string_lossy(), args, self.as_postgres);
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr], as_postgres: bool) {
        let mut cmd = if as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", program]);
            c
        } else {
            Command::new(program)
        };
        let out = cmd
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"));
        if !out.status.success() {
            let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
            panic!(
                "{program} failed ({}):\n{}\n{}\nserver log:\n{log}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Runs SQL as the owner over the unix socket (trusted locally), stopping at the
    /// first error.
    pub fn psql(&self, database: &str, sql: &str) {
        let psql = self.bin.join("psql");
        let psql = if psql.is_file() { psql } else { PathBuf::from("psql") };
        let socket = self.dir.path().to_string_lossy().into_owned();
        let port = self.port.to_string();
        self.run_as_owner(
            &psql.to_string_lossy(),
            &["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", &socket, "-p", &port, "-U", OWNER, "-d", database, "-c", sql],
        );
    }

    /// A login role in `group` (`tally_publisher`, `tally_reader`; the group must exist,
    /// so call this after the migration) with `password`.
    pub fn create_login(&self, name: &str, password: &str, group: &str) {
        self.psql("postgres", &format!("CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE {group}"));
    }

    /// The URL of the `tally` database over TCP as `user` (password given separately).
    pub fn url(&self, user: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/tally?sslmode=disable", self.port)
    }

    /// The same over TLS (`sslmode=require`).
    pub fn tls_url(&self, user: &str) -> String {
        format!("postgres://{user}@127.0.0.1:{}/tally?sslmode=require", self.port)
    }

    pub fn owner_password(&self) -> &'static str {
        OWNER_PASSWORD
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let program = self.bin.join("pg_ctl");
        let data = self.data();
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        // Best effort: a failed stop must not hide the test's own failure.
        let _ = cmd
            .args(["-D".as_ref(), data.as_os_str(), "-m".as_ref(), "immediate".as_ref(), "stop".as_ref()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
