#!/usr/bin/perl
# Writes a tiny City-format .mmdb for the RUM tests (Debian: libmaxmind-db-writer-perl).
#   perl make-test-mmdb.pl OUT.mmdb
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my %types = (
    country      => 'map', iso_code => 'utf8_string', names => 'map', en => 'utf8_string',
    city         => 'map', subdivisions => ['array', 'map'],
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => 6,
    record_size           => 24,
    database_type         => 'Kagami-Test-City',
    languages             => ['en'],
    description           => { en => 'Kagami RUM test data' },
    map_key_type_callback => sub { $types{ $_[0] } },
    remove_reserved_networks => 0,
);
sub place {
    my ($cc, $region, $city) = @_;
    return { country => { iso_code => $cc, names => { en => $cc } },
             subdivisions => [ { names => { en => $region } } ],
             city => { names => { en => $city } } };
}
$tree->insert_network('203.0.113.0/24', place('JP', 'Tokyo', 'Shibuya'));
$tree->insert_network('198.51.100.0/24', place('DE', 'Berlin', 'Berlin'));
$tree->insert_network('2001:db8:1::/48', place('FR', 'Ile-de-France', 'Paris'));
open my $fh, '>:raw', $ARGV[0] or die "cannot write $ARGV[0]: $!";
$tree->write_tree($fh);
close $fh;
